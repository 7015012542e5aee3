// The `--vscode-*` variables and body class VS Code gives a webview, for three built-in themes
// (values from VS Code's Dark Modern, Light Modern and Dark High Contrast), so a page can be
// checked in each theme without VS Code.

export interface WebviewTheme {
  name: 'dark' | 'light' | 'high-contrast';
  bodyClass: string;
  variables: Record<string, string>;
}

const common = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
};

export const WEBVIEW_THEMES: readonly WebviewTheme[] = [
  {
    name: 'dark',
    bodyClass: 'vscode-dark',
    variables: {
      ...common,
      '--vscode-inputValidation-warningBackground': '#352a05',
      '--vscode-inputValidation-warningBorder': '#b89500',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f85149',
      '--vscode-disabledForeground': '#cccccc80',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.3)',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-border': '#ffffff12',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-editorWidget-border': '#454545',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-textLink-activeForeground': '#4daafc',
      '--vscode-toolbar-hoverBackground': '#5a5d5e50',
    },
  },
  {
    name: 'light',
    bodyClass: 'vscode-light',
    variables: {
      ...common,
      '--vscode-inputValidation-warningBackground': '#f6f5d2',
      '--vscode-inputValidation-warningBorder': '#b89500',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-errorForeground': '#f85149',
      '--vscode-disabledForeground': '#61616180',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-lines': 'rgba(0, 0, 0, 0.15)',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-border': '#0000001a',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-textLink-activeForeground': '#005fb8',
      '--vscode-toolbar-hoverBackground': '#b8b8b850',
    },
  },
  {
    name: 'high-contrast',
    bodyClass: 'vscode-high-contrast',
    variables: {
      ...common,
      '--vscode-inputValidation-warningBackground': '#000000',
      '--vscode-inputValidation-warningBorder': '#6fc3df',
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': '#ffffffb3',
      '--vscode-errorForeground': '#f48771',
      '--vscode-disabledForeground': '#a5a5a5',
      '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.4)',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-editorWidget-background': '#0c141f',
      '--vscode-editorWidget-border': '#6fc3df',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-foreground': '#ffffff',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-textLink-activeForeground': '#21a6ff',
    },
  },
];

export function themeStylesheet(theme: WebviewTheme): string {
  return `:root {\n${Object.entries(theme.variables)
    .map(([k, v]) => `  ${k}: ${v};`)
    .join('\n')}\n}\n`;
}
