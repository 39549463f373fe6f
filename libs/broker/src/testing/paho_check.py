"""Drives the broker with Eclipse Paho (Debian's python3-paho-mqtt 1.6) and prints one JSON result.

usage: paho_check.py PORT PROTOCOL   (PROTOCOL: 31 = MQTT 3.1 "MQIsdp", 311 = MQTT 3.1.1, 5 = MQTT 5)
Checks QoS 0/1/2 round trips and a will published when a client's socket dies; over MQTT 5 also
user properties (order kept), response topic, correlation data, content type, and one copy of a
message matching two subscriptions, carrying both Subscription Identifiers.
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

port = int(sys.argv[1])
version = sys.argv[2]
protocol = {"31": mqtt.MQTTv31, "311": mqtt.MQTTv311, "5": mqtt.MQTTv5}[version]
v5 = protocol == mqtt.MQTTv5
prefix = "paho/" + version
received = []
done = threading.Event()
expected = 4  # three QoS round trips and one will


def describe(message):
    entry = {"topic": message.topic, "payload": message.payload.decode(), "qos": message.qos}
    props = getattr(message, "properties", None)
    if v5 and props is not None:
        for name in ("UserProperty", "ResponseTopic", "ContentType"):
            if hasattr(props, name):
                entry[name] = getattr(props, name)
        if hasattr(props, "SubscriptionIdentifier"):
            entry["SubscriptionIdentifier"] = sorted(props.SubscriptionIdentifier)  # order is not significant [MQTT-3.3.4-4]
        if hasattr(props, "CorrelationData"):
            entry["CorrelationData"] = props.CorrelationData.hex()
    return entry


def on_message(client, userdata, message):
    received.append(describe(message))
    if len(received) >= expected:
        done.set()


def connected(client_id, **kwargs):
    client = mqtt.Client(client_id=client_id, protocol=protocol, **kwargs)
    ready = threading.Event()
    if v5:
        client.on_connect = lambda c, u, f, rc, p=None: ready.set() if rc == 0 else None
    else:
        client.on_connect = lambda c, u, f, rc: ready.set() if rc == 0 else None
    return client, ready


sub, sub_ready = connected("paho-sub-" + version)
sub.on_message = on_message
sub.connect("127.0.0.1", port, keepalive=30)
sub.loop_start()
assert sub_ready.wait(5), "subscriber did not connect"
subscribed = threading.Event()
if v5:
    # Two overlapping subscriptions, each with its own identifier.
    sub.on_subscribe = lambda c, u, mid, codes, p=None: subscribed.set()
    first = Properties(PacketTypes.SUBSCRIBE)
    first.SubscriptionIdentifier = 1
    sub.subscribe(prefix + "/#", options=SubscribeOptions(qos=2), properties=first)
    assert subscribed.wait(5), "no SUBACK"
    subscribed.clear()
    second = Properties(PacketTypes.SUBSCRIBE)
    second.SubscriptionIdentifier = 2
    sub.subscribe(prefix + "/+", options=SubscribeOptions(qos=1), properties=second)
else:
    sub.on_subscribe = lambda c, u, mid, granted: subscribed.set()
    sub.subscribe(prefix + "/#", qos=2)
assert subscribed.wait(5), "no SUBACK"

pub, pub_ready = connected("paho-pub-" + version)
pub.connect("127.0.0.1", port)
pub.loop_start()
assert pub_ready.wait(5), "publisher did not connect"
for qos in (0, 1, 2):
    properties = None
    if v5:
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [("room", "kitchen"), ("room", "hall"), ("unit", "C")]
        properties.ResponseTopic = prefix + "/replies"
        properties.CorrelationData = bytes([qos, 255])
        properties.ContentType = "text/plain"
    pub.publish(prefix + "/qos%d" % qos, "paho %d" % qos, qos=qos, properties=properties).wait_for_publish(5)

dying, dying_ready = connected("paho-dying-" + version)
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
