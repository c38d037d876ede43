// Fails when the workspace's packages depend on each other in a circle, which makes
// `pnpm -r build` refuse to order its tasks ("The tasks form a dependency cycle"). Every kind of
// dependency counts (dependencies, devDependencies, optionalDependencies, peerDependencies), as
// pnpm orders a recursive run by all of them. Run by `pnpm check`; exits 1 with each cycle named.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const KINDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** The package folders that pnpm-workspace.yaml lists (`dir/*` and plain paths). */
export function workspaceFolders(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const patterns = [...block.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1]);
  const folders = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) folders.push(join(parent, entry.name));
      }
    } else {
      folders.push(join(root, pattern));
    }
  }
  return folders.filter((folder) => existsSync(join(folder, 'package.json')));
}

/** Each workspace package's name and the workspace packages it depends on, by any kind. */
export function workspaceGraph(manifests) {
  const names = new Set(manifests.map((manifest) => manifest.name).filter(Boolean));
  const graph = new Map();
  for (const manifest of manifests) {
    if (!manifest.name) continue;
    const edges = new Set();
    for (const kind of KINDS) {
      for (const dependency of Object.keys(manifest[kind] ?? {})) {
        if (names.has(dependency) && dependency !== manifest.name) edges.add(dependency);
      }
    }
    graph.set(manifest.name, [...edges].sort());
  }
  return graph;
}

/** Every cycle of `graph`, each as the names along it (first name repeated at the end). */
export function findCycles(graph) {
  const cycles = [];
  const state = new Map(); // name -> 'open' | 'done'
  const path = [];
  const visit = (name) => {
    state.set(name, 'open');
    path.push(name);
    for (const next of graph.get(name) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(name, 'done');
  };
  for (const name of [...graph.keys()].sort()) if (!state.has(name)) visit(name);
  return cycles;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..');
  const manifests = workspaceFolders(root).map((folder) =>
    JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')),
  );
  const cycles = findCycles(workspaceGraph(manifests));
  if (cycles.length > 0) {
    for (const cycle of cycles) console.error(`workspace dependency cycle: ${cycle.join(' → ')}`);
    console.error('`pnpm -r build` cannot order its tasks while a cycle remains.');
    process.exit(1);
  }
  console.log(`no workspace dependency cycle among ${manifests.length} packages`);
}
