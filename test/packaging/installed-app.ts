import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/* An app's node_modules made from the built packages, as an install would make it. */

/** The repository's packages folder. */
export const PACKAGES = join(__dirname, '..', '..', 'packages');

/**
 * Copies a built package (package.json and dist/) into `nodeModules`, as an install would;
 * returns the folder it now lives in.
 */
export function install(nodeModules: string, dir: string, name: string): string {
  const target = join(nodeModules, name);
  mkdirSync(target, { recursive: true });
  cpSync(join(PACKAGES, dir, 'package.json'), join(target, 'package.json'));
  cpSync(join(PACKAGES, dir, 'dist'), join(target, 'dist'), { recursive: true });
  return target;
}

/** Links a third-party dependency of `fromPackage` into `nodeModules` (its real folder). */
export function link(nodeModules: string, fromPackage: string, name: string): void {
  linkFolder(nodeModules, name, join(PACKAGES, fromPackage, 'node_modules', name));
}

/** Links the real folder of `target` into `nodeModules` as `name`. */
export function linkFolder(nodeModules: string, name: string, target: string): void {
  mkdirSync(dirname(join(nodeModules, name)), { recursive: true });
  symlinkSync(realpathSync(target), join(nodeModules, name));
}

/**
 * The body of a test app: opens the store the environment selects and prints its class and an
 * empty listing as JSON, or the error's code and message.
 */
export const APP_BODY = `
  try {
    const store = storeFromEnv();
    const none = await store.list({ projectId: 'no-such-project' });
    console.log(JSON.stringify({ store: store.constructor.name, listed: none.length }));
    await store.close();
  } catch (err) {
    console.log(JSON.stringify({ code: err.code, message: err.message }));
  }
`;
