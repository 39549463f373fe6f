const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** Why `text` is not the URL of an MQTT broker (mqtt, mqtts, ws, wss, with a host), or null. */
export function brokerUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL such as mqtt://broker.lan:1883`;
  }
  if (!BROKER_SCHEMES.includes(url.protocol)) return `"${text}": expected mqtt://, mqtts://, ws:// or wss://`;
  return url.hostname ? null : `"${text}" names no host`;
}
