import { getContrastRatio } from '@material-ui/core/styles';

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
