// Reads the current VS Code theme's colours from the `--vscode-*` variables the webview host sets,
// so charts (drawn on canvas, where CSS variables do not reach) follow dark, light and high contrast.
import { parseCssColor, type Rgb } from './heatmapScale';
import type { SvgTheme } from './chartSvg';

export interface ThemeColors extends SvgTheme {
  /** Heatmap ends: best and worst value (blue to orange: tells apart for red-green colour blindness). */
  best: Rgb;
  worst: Rgb;
  /** 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast' | 'vscode-high-contrast-light' (body class), for re-rendering on change. */
  kind: string;
}

const PALETTE_VARIABLES = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];
// Only used when the host sets no variable at all (e.g. an old VS Code); VS Code's own defaults.
const PALETTE_FALLBACKS = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

let normalizer: CanvasRenderingContext2D | null = null;

/** Any CSS colour to `#rrggbb` / `rgba(...)` through the canvas parser, so theme values like `color-mix()` still work. */
function normalizeColor(value: string, fallback: string): string {
  const text = value.trim();
  if (!text) return fallback;
  normalizer ??= document.createElement('canvas').getContext('2d');
  if (!normalizer) return text;
  normalizer.fillStyle = fallback;
  normalizer.fillStyle = text;
  return String(normalizer.fillStyle);
}

function themeKind(): string {
  const classes = document.body.classList;
  for (const kind of ['vscode-high-contrast-light', 'vscode-high-contrast', 'vscode-light', 'vscode-dark']) if (classes.contains(kind)) return kind;
  return 'unknown';
}

export function readThemeColors(): ThemeColors {
  const style = getComputedStyle(document.body);
  const variable = (name: string, fallback: string): string => normalizeColor(style.getPropertyValue(name), fallback);
  const foreground = variable('--vscode-foreground', '#cccccc');
  const background = variable('--vscode-editor-background', '#1e1e1e');
  const grid = variable('--vscode-charts-lines', variable('--vscode-panel-border', '#80808059'));
  const palette = PALETTE_VARIABLES.map((name, i) => variable(name, PALETTE_FALLBACKS[i]));
  const best = parseCssColor(palette[0]) ?? [55, 148, 255];
  const worst = parseCssColor(palette[1]) ?? [209, 134, 22];
  const font = style.getPropertyValue('--vscode-font-family').trim() || 'sans-serif';
  return { foreground, background, grid, palette, font, best, worst, kind: themeKind() };
}

/** `color` with an alpha, for confidence bands. */
export function withAlpha(color: string, alpha: number): string {
  const rgb = parseCssColor(color);
  return rgb ? `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})` : color;
}
