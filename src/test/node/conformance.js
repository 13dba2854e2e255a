// Drives the Node.js Snowflake connector against patrol's Snowflake emulator and prints one JSON
// line per check; NodeConnectorConformanceTest starts the emulator and asserts on these lines.
// Environment: EMULATOR_URL, ACCOUNT, ADMIN_USER, ADMIN_PASSWORD, CLI_USER, CLI_PAT.
'use strict';
const snowflake = require('snowflake-sdk');
snowflake.configure({ logLevel: 'OFF', disableOCSPChecks: true });

const env = process.env;

function connect(options) {
  const conn = snowflake.createConnection(Object.assign({ account: env.ACCOUNT, accessUrl: env.EMULATOR_URL }, options));
  return new Promise((resolve, reject) => conn.connect((err, c) => (err ? reject(err) : resolve(c))));
}

function query(conn, sqlText) {
  return new Promise((resolve, reject) =>
    conn.execute({ sqlText, complete: (err, stmt, rows) => (err ? reject(err) : resolve(rows)) }));
}

function close(conn) {
  return new Promise((resolve) => conn.destroy(() => resolve()));
}

async function check(name, fn) {
  try {
    const value = await fn();
    console.log(JSON.stringify({ check: name, ok: true, value }));
  } catch (e) {
    console.log(JSON.stringify({ check: name, ok: false, code: e.code === undefined ? null : String(e.code), message: e.message }));
  }
}

(async () => {
  await check('password-login-role', async () => {
    const c = await connect({ username: env.ADMIN_USER, password: env.ADMIN_PASSWORD });
    const rows = await query(c, 'SELECT CURRENT_ROLE() AS R');
    await close(c);
    return rows[0].R;
  });
  await check('pat-authenticator-role', async () => {
    const c = await connect({ username: env.CLI_USER, authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: env.CLI_PAT });
    const rows = await query(c, 'SELECT CURRENT_ROLE() AS R, CURRENT_USER() AS U');
    await close(c);
    return rows[0].R + '/' + rows[0].U;
  });
  await check('pat-as-password-role', async () => {
    const c = await connect({ username: env.CLI_USER, password: env.CLI_PAT });
    const rows = await query(c, 'SELECT CURRENT_ROLE() AS R');
    await close(c);
    return rows[0].R;
  });
  await check('show-pats', async () => {
    const c = await connect({ username: env.ADMIN_USER, password: env.ADMIN_PASSWORD });
    const rows = await query(c, 'SHOW USER PATS FOR USER ' + env.CLI_USER);
    await close(c);
    return rows.map((r) => r.name + ':' + r.status + ':' + (r.expires_at instanceof Date || typeof r.expires_at === 'object')).join(',');
  });
  await check('use-role-in-pat-session', async () => {
    const c = await connect({ username: env.CLI_USER, authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: env.CLI_PAT });
    try {
      return await query(c, 'USE ROLE ' + 'ACCOUNTADMIN');
    } finally {
      await close(c);
    }
  });
  await check('bad-pat', async () => {
    await connect({ username: env.CLI_USER, authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: 'not-a-token' });
    return 'connected';
  });
  await check('syntax-error', async () => {
    const c = await connect({ username: env.ADMIN_USER, password: env.ADMIN_PASSWORD });
    try {
      return await query(c, 'SELEKT 1');
    } finally {
      await close(c);
    }
  });
})();
