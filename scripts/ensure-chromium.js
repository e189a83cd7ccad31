#!/usr/bin/env node
// The browser tests drive Debian's Chromium through playwright-core, which never downloads one.
// Before the test run: find it, install it where this machine allows (root with apt), or stop
// at once with one line saying what to install, rather than fail every browser test later.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const advice =
  "The browser tests need Chromium: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.";

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

if (!existsSync(chromium)) {
  const canInstall =
    process.env.CHROMIUM_PATH === undefined &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(advice);
    process.exit(1);
  }
  console.log("Installing Debian's chromium package for the browser tests…");
  const installed =
    run('apt-get', ['update', '-qq']) &&
    run('apt-get', ['install', '-y', '-qq', 'chromium']) &&
    existsSync(chromium);
  if (!installed) {
    console.error(advice);
    process.exit(1);
  }
}
