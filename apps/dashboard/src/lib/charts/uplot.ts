import type uPlot from 'uplot';

let loading: Promise<typeof uPlot> | undefined;

/** uPlot and its stylesheet, fetched once, the first time a chart is shown: they stay out of the first page's JavaScript. */
export function loadUplot(): Promise<typeof uPlot> {
  loading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([module]) => module.default,
    (error: unknown) => {
      loading = undefined; // the next chart tries again
      throw error;
    },
  );
  return loading;
}

/**
 * A colour a canvas can use: `--accent` and the other theme colours are `light-dark()` pairs, which only a
 * rendered element resolves. Anything else is returned as it is.
 */
export function cssColor(within: HTMLElement, color: string): string {
  if (!color.startsWith('--')) return color;
  const probe = document.createElement('span');
  probe.style.color = `var(${color})`;
  within.append(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  return resolved || 'currentColor';
}

/** `rgb(r, g, b)` at `alpha`, for fills under a line; other colours come back unchanged. */
export const translucent = (color: string, alpha = 0.15): string => color.replace(/^rgb\((.*)\)$/, `rgba($1, ${alpha})`);
