"""Drives the hub with Eclipse Paho (Debian's python3-paho-mqtt 1.6) and prints one JSON result.

usage: paho_check.py PORT PROTOCOL   (PROTOCOL: 31 = MQTT 3.1 "MQIsdp", 311 = MQTT 3.1.1)
Checks QoS 0/1/2 round trips and a will published when a client's socket dies.
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt

port = int(sys.argv[1])
protocol = {"31": mqtt.MQTTv31, "311": mqtt.MQTTv311}[sys.argv[2]]
prefix = "paho/" + sys.argv[2]
received = []
done = threading.Event()
expected = 4  # three QoS round trips and one will


def on_message(client, userdata, message):
    received.append({"topic": message.topic, "payload": message.payload.decode(), "qos": message.qos})
    if len(received) >= expected:
        done.set()


def connected(client_id, **kwargs):
    client = mqtt.Client(client_id=client_id, protocol=protocol, **kwargs)
    ready = threading.Event()
    client.on_connect = lambda c, u, f, rc: ready.set() if rc == 0 else None
    return client, ready


sub, sub_ready = connected("paho-sub-" + sys.argv[2])
sub.on_message = on_message
sub.connect("127.0.0.1", port, keepalive=30)
sub.loop_start()
assert sub_ready.wait(5), "subscriber did not connect"
subscribed = threading.Event()
sub.on_subscribe = lambda c, u, mid, granted: subscribed.set()
sub.subscribe(prefix + "/#", qos=2)
assert subscribed.wait(5), "no SUBACK"

pub, pub_ready = connected("paho-pub-" + sys.argv[2])
pub.connect("127.0.0.1", port)
pub.loop_start()
assert pub_ready.wait(5), "publisher did not connect"
for qos in (0, 1, 2):
    pub.publish(prefix + "/qos%d" % qos, "paho %d" % qos, qos=qos).wait_for_publish(5)

dying, dying_ready = connected("paho-dying-" + sys.argv[2])
dying.will_set(prefix + "/will", "gone", qos=1)
dying.connect("127.0.0.1", port)
dying.loop_start()
assert dying_ready.wait(5), "will client did not connect"
dying.loop_stop()
dying.socket().close()  # no DISCONNECT: the broker must publish the will

done.wait(10)
pub.disconnect()
sub.disconnect()
print(json.dumps(sorted(received, key=lambda m: m["topic"])))
