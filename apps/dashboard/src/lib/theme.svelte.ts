export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'hearth.theme';

/** The colour scheme: the system's by default, or one chosen here and remembered on this device. */
export class Theme {
  choice = $state<ThemeChoice>((localStorage.getItem(KEY) as ThemeChoice | null) ?? 'system');

  constructor() {
    this.apply();
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
    this.apply();
  }

  // app.css keys `color-scheme` (and with it every light-dark() colour) on this attribute.
  private apply(): void {
    if (this.choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = this.choice;
  }
}
