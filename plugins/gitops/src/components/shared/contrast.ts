import { darken, getContrastRatio, lighten } from '@material-ui/core/styles';

/**
 * Black or white, whichever reads better on `background`: at least 4.5:1
 * for any background (WCAG AA for normal text), where the theme's own
 * contrast text may pick white at 3:1.
 */
export function readableOn(background: string): string {
  return getContrastRatio(background, '#fff') >=
    getContrastRatio(background, '#000')
    ? '#fff'
    : '#000';
}

/** A status colour as a filled chip: the colour, and a text that reads on it. */
export function filled(background: string) {
  return { backgroundColor: background, color: readableOn(background) };
}

/**
 * `color` as text on `background` (white by default): darkened (or, on a
 * dark background, lightened) until it reads at 4.5:1 (WCAG AA).
 */
export function readableText(color: string, background = '#fff'): string {
  const lightBackground = getContrastRatio(background, '#000') > 4.5;
  let out = color;
  for (let i = 1; i <= 10 && getContrastRatio(out, background) < 4.5; i++) {
    out = lightBackground ? darken(color, i / 10) : lighten(color, i / 10);
  }
  return out;
}
