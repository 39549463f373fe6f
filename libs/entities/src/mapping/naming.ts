/**
 * Home Assistant's entity naming: `<device name> <entity name>`, the device's name alone when the entity has
 * none (it is the device's main feature), and the entity's own when it already starts with the device's name
 * (HA strips such a prefix). Beyond HA, an entity name the device name already ends with is not repeated:
 * "Hallway motion" with a "Motion" sensor is "Hallway motion", not "Hallway motion Motion". Case-insensitive.
 */
export function entityName(deviceName: string | undefined, own: string | undefined): string | undefined {
  const name = own?.trim() || undefined;
  if (!deviceName) return name;
  if (name === undefined) return deviceName;
  const device = deviceName.toLowerCase();
  const entity = name.toLowerCase();
  if (entity === device || entity.startsWith(`${device} `)) return name;
  if (device.endsWith(` ${entity}`)) return deviceName;
  return `${deviceName} ${name}`;
}
