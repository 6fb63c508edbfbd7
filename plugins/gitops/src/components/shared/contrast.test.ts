import { getContrastRatio } from '@material-ui/core/styles';
import { readableOn, readableText } from './contrast';

describe('contrast', () => {
  it.each(['#1db954', '#2e77d0', '#e22134', '#ff9800', '#9e9e9e', '#616161'])(
    'puts text on %s at 4.5:1 or more',
    background => {
      expect(
        getContrastRatio(background, readableOn(background)),
      ).toBeGreaterThanOrEqual(4.5);
    },
  );

  it.each(['#ff9800', '#f57c00', '#1db954', '#e22134'])(
    'makes %s readable as text on white and on a dark paper',
    color => {
      expect(
        getContrastRatio(readableText(color), '#fff'),
      ).toBeGreaterThanOrEqual(4.5);
      expect(
        getContrastRatio(readableText(color, '#424242'), '#424242'),
      ).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('keeps a colour that already reads', () => {
    expect(readableText('#000000')).toBe('#000000');
  });
});
