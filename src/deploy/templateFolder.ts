// Finds and checks the function folder to deploy (a scaffolded copy of lambda-template/).
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { findTemplateDir } from '../scaffold/scaffolder';

/** The folder Scaffold creates by default in a workspace. */
export const SCAFFOLD_FOLDER_NAME = 'lambda-parallel-lab';
export const HANDLER_FILE = 'index.mjs';

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Throws a message saying what is missing and how to get it; returns the absolute folder. */
export async function checkTemplateFolder(dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  if (!(await isDirectory(absolute))) {
    throw new Error(
      `The template folder ${absolute} does not exist. Create it with \`lambda-lab scaffold ${dir}\` (VS Code: "Lambda Lab: Scaffold Experiment Function"), or pass --template <dir>.`,
    );
  }
  if (!(await isFile(path.join(absolute, HANDLER_FILE)))) {
    throw new Error(
      `The template folder ${absolute} has no ${HANDLER_FILE} (the handler). Scaffold a fresh copy with \`lambda-lab scaffold <dir>\`, or pass the right folder with --template.`,
    );
  }
  return absolute;
}

/**
 * The folder to deploy when none is named: ./lambda-parallel-lab if it exists (what Scaffold
 * makes), else the template shipped with the extension/CLI (found from the running code's folder).
 */
export async function defaultTemplateFolder(cwd: string, codeDir: string): Promise<string> {
  const scaffolded = path.join(cwd, SCAFFOLD_FOLDER_NAME);
  if (await isFile(path.join(scaffolded, HANDLER_FILE))) return scaffolded;
  return findTemplateDir(codeDir);
}
