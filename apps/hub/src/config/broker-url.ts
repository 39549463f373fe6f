const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** Why `text` is not a URL with one of `schemes` and a host (`example` shows one), or null. */
export function urlProblem(text: string, schemes: readonly string[], example: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL such as ${example}`;
  }
  const expected = schemes.map((scheme) => `${scheme}//`);
  if (!schemes.includes(url.protocol)) return `"${text}": expected ${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`;
  return url.hostname ? null : `"${text}" names no host`;
}

/** Why `text` is not the URL of an MQTT broker (mqtt, mqtts, ws, wss, with a host), or null. */
export const brokerUrlProblem = (text: string): string | null => urlProblem(text, BROKER_SCHEMES, 'mqtt://broker.lan:1883');
