import type { HubSettings } from '@hearth/api-types';
import { parseNumber } from '../../lib/format.js';

/** The location form as typed: text, blank for "not set". Tariffs are the energy page's (/api/energy/tariffs). */
export interface PlaceForm {
  latitude: string;
  longitude: string;
  timezone: string;
}

export function placeForm({ location }: HubSettings): PlaceForm {
  return {
    latitude: location ? String(location.latitude) : '',
    longitude: location ? String(location.longitude) : '',
    timezone: location?.timezone ?? '',
  };
}

/**
 * The body of `PUT /api/settings`, or why the form cannot be one. Only what the hub cannot tell apart
 * is checked here (half a location, text for a number); ranges and codes are the hub's to judge.
 */
export function placeSettings(form: PlaceForm): HubSettings | { error: string } {
  const given = (text: string) => text.trim() !== '';
  if (!given(form.latitude) && !given(form.longitude) && !given(form.timezone)) return { location: null };
  if (!given(form.latitude) || !given(form.longitude)) return { error: 'Give both latitude and longitude, or leave the location empty.' };
  const latitude = parseNumber(form.latitude);
  const longitude = parseNumber(form.longitude);
  if (Number.isNaN(latitude) || Number.isNaN(longitude)) return { error: 'Latitude and longitude are numbers in degrees, such as 52.37.' };
  return { location: given(form.timezone) ? { latitude, longitude, timezone: form.timezone.trim() } : { latitude, longitude } };
}
