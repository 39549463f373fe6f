import type { HubSettings } from '@hearth/api-types';

/** The location and tariff form as typed: text, blank for "not set". */
export interface PlaceForm {
  latitude: string;
  longitude: string;
  timezone: string;
  pricePerKwh: string;
  currency: string;
}

export function placeForm({ location, tariff }: HubSettings): PlaceForm {
  return {
    latitude: location ? String(location.latitude) : '',
    longitude: location ? String(location.longitude) : '',
    timezone: location?.timezone ?? '',
    pricePerKwh: tariff ? String(tariff.pricePerKwh) : '',
    currency: tariff?.currency ?? '',
  };
}

/** A number as people type it (a decimal comma too); NaN when it is not one. */
const number = (text: string): number => (/^\s*-?\d+([.,]\d+)?\s*$/.test(text) ? Number(text.trim().replace(',', '.')) : Number.NaN);

/**
 * The body of `PUT /api/settings`, or why the form cannot be one. Only what the hub cannot tell apart
 * is checked here (half a location, text for a number); ranges and codes are the hub's to judge.
 */
export function placeSettings(form: PlaceForm): HubSettings | { error: string } {
  const given = (text: string) => text.trim() !== '';
  let location: HubSettings['location'] = null;
  if (given(form.latitude) || given(form.longitude) || given(form.timezone)) {
    if (!given(form.latitude) || !given(form.longitude)) return { error: 'Give both latitude and longitude, or leave the location empty.' };
    const latitude = number(form.latitude);
    const longitude = number(form.longitude);
    if (Number.isNaN(latitude) || Number.isNaN(longitude)) return { error: 'Latitude and longitude are numbers in degrees, such as 52.37.' };
    location = given(form.timezone) ? { latitude, longitude, timezone: form.timezone.trim() } : { latitude, longitude };
  }
  let tariff: HubSettings['tariff'] = null;
  if (given(form.pricePerKwh) || given(form.currency)) {
    if (!given(form.pricePerKwh) || !given(form.currency)) return { error: 'Give both the price per kWh and its currency, or leave the tariff empty.' };
    const pricePerKwh = number(form.pricePerKwh);
    if (Number.isNaN(pricePerKwh)) return { error: 'The price per kWh is a number, such as 0.28.' };
    tariff = { pricePerKwh, currency: form.currency.trim().toUpperCase() };
  }
  return { location, tariff };
}
