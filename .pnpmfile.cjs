// Lets node-gyp build native optional dependencies (better-sqlite3 on Node 20) without
// downloading Node's headers when the running Node ships them (e.g. /usr/include/node):
// offline and air-gapped installs then build instead of silently skipping the driver.
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function localNodeDir() {
  const prefix = dirname(dirname(process.execPath));
  const header = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(header)) return undefined;
  const text = readFileSync(header, 'utf8');
  const part = (name) => (new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text) || [])[1];
  const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return version === process.version ? prefix : undefined;
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = localNodeDir();
      if (!nodedir || process.env.npm_config_nodedir) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodedir } };
    },
  },
};
