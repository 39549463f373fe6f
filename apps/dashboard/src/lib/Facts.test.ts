import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FactsExample from './testing/FactsExample.svelte';

describe('Facts', () => {
  it('renders the caller’s terms and definitions as one list, in order', () => {
    render(FactsExample, { 'data-testid': 'facts' });
    const list = screen.getByTestId('facts');
    expect(list.tagName).toBe('DL');
    expect([...list.children].map((child) => `${child.tagName} ${child.textContent}`)).toEqual([
      'DT Server',
      'DD hub.local:1883',
      'DT Topics',
      'DD devices/porch/#',
    ]);
  });

  it('keeps its own class beside the caller’s', () => {
    render(FactsExample, { class: 'card', 'data-testid': 'facts' });
    expect([...screen.getByTestId('facts').classList]).toEqual(expect.arrayContaining(['facts', 'card']));
  });

  it('renders without a caller class', () => {
    render(FactsExample, { 'data-testid': 'facts' });
    expect(screen.getByTestId('facts').classList).toContain('facts');
    expect(screen.getByTestId('facts').getAttribute('class')).not.toContain('undefined');
  });
});
