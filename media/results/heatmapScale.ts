// Colours for the memory × threads heatmap. Pure so it is unit-tested in Node: the two end colours
// come from the theme (read by themeColors.ts), the text colour is chosen for contrast.

export type Rgb = readonly [number, number, number];

/** Parses the colour forms VS Code themes use: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba(). Alpha is dropped. */
export function parseCssColor(text: string): Rgb | null {
  const value = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(value);
  if (hex) {
    const digits = hex[1];
    if (digits.length <= 4) return [0, 1, 2].map((i) => parseInt(digits[i] + digits[i], 16)) as unknown as Rgb;
    return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const functional = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(value);
  if (functional) return [1, 2, 3].map((i) => Math.min(255, Math.round(Number(functional[i])))) as unknown as Rgb;
  return null;
}

export function rgbToCss([r, g, b]: Rgb): string {
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

export function rgbaToCss([r, g, b]: Rgb, alpha: number): string {
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${alpha})`;
}

/** WCAG relative luminance. */
export function relativeLuminance([r, g, b]: Rgb): number {
  const channel = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [255, 255, 255];

export interface HeatmapScale {
  min: number;
  max: number;
  /** Log scale suits times and costs, which span orders of magnitude across memory sizes. */
  logarithmic: boolean;
  /** Colour of the best value (fastest, cheapest) and of the worst. */
  best: Rgb;
  worst: Rgb;
  /** True when smaller values are better (time, cost); false for speedup. */
  lowerIsBetter: boolean;
}

/** Position 0..1 of a value on the scale, 0 = best. Clamped; a degenerate range gives 0. */
export function scalePosition(value: number, scale: HeatmapScale): number {
  const useLog = scale.logarithmic && scale.min > 0 && value > 0;
  const f = (v: number): number => (useLog ? Math.log(v) : v);
  const span = f(scale.max) - f(scale.min);
  if (!(span > 0) || !Number.isFinite(value)) return 0;
  const t = Math.min(1, Math.max(0, (f(value) - f(scale.min)) / span));
  return scale.lowerIsBetter ? t : 1 - t;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export interface CellColours {
  background: Rgb;
  foreground: Rgb;
  /** 0 = best .. 1 = worst. */
  position: number;
}

/** Background interpolated between the theme's best and worst colours; black or white text, whichever reads better. */
export function heatmapCellColours(value: number, scale: HeatmapScale): CellColours {
  const position = scalePosition(value, scale);
  const background = mix(scale.best, scale.worst, position);
  const foreground = contrastRatio(background, BLACK) >= contrastRatio(background, WHITE) ? BLACK : WHITE;
  return { background, foreground, position };
}

/** The range of finite values (positive only when logarithmic). */
export function valueRange(values: readonly number[], logarithmic: boolean): { min: number; max: number } | null {
  const usable = values.filter((v) => Number.isFinite(v) && (!logarithmic || v > 0));
  if (usable.length === 0) return null;
  return { min: Math.min(...usable), max: Math.max(...usable) };
}
