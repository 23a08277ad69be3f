// WebKitGTK's MiniBrowser (JavaScriptCore, Safari's engine) from Debian's
// packages, driven through WebKitWebDriver with selenium-webdriver. The
// MiniBrowser has no headless mode: it gets its own virtual X display (Xvfb,
// which picks a free display number and writes it to fd 3). Each page is a
// window of one WebDriver session, and WebDriver runs one command at a time,
// so commands are queued here. The driver interface of browsers.js.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { MINIBROWSER } from './browsers.js';

/** A child process that dies with this one; its stderr kept for error messages. */
function child(cmd, args, options) {
  const p = spawn(cmd, args, { ...options, stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'] });
  p.log = '';
  p.stderr.on('data', (b) => {
    p.log = (p.log + b).slice(-2000);
  });
  const kill = () => p.kill();
  process.once('exit', kill);
  p.once('exit', () => process.off('exit', kill));
  return p;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

async function startXvfb() {
  const xvfb = child('Xvfb', ['-displayfd', '3', '-screen', '0', '1360x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const first = await Promise.race([once(xvfb.stdio[3], 'data'), once(xvfb, 'exit')]);
  if (typeof first[0] === 'number' || first[0] === null) throw new Error(`Xvfb exited: ${xvfb.log}`);
  return { xvfb, display: `:${String(first[0]).trim()}` };
}

async function startDriver(display) {
  const port = await freePort();
  const driver = child('WebKitWebDriver', [`--port=${port}`], { env: { ...process.env, DISPLAY: display } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${driver.log}`);
    const ready = await fetch(`${url}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { driver, url };
    if (i > 100) throw new Error(`WebKitWebDriver did not answer on ${url}: ${driver.log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function launch() {
  const { Builder } = await import('selenium-webdriver');
  const { xvfb, display } = await startXvfb();
  let server, session;
  const stop = () => {
    server?.driver.kill();
    xvfb.kill();
  };
  try {
    server = await startDriver(display);
    session = await new Builder()
      .usingServer(server.url)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER(), args: ['--automation'] } })
      .build();
    await session.manage().setTimeouts({ script: 600_000, pageLoad: 60_000 });
  } catch (e) {
    stop();
    throw e;
  }
  const caps = await session.getCapabilities();
  // one command at a time, each in its page's window
  let queue = Promise.resolve();
  const serial = (fn) => {
    const next = queue.then(fn);
    queue = next.catch(() => {});
    return next;
  };
  const inWindow = (handle, fn) =>
    serial(async () => {
      await session.switchTo().window(handle);
      return fn();
    });
  let first = await session.getWindowHandle(); // the session's window, taken by the first page
  return {
    version: caps.get('browserVersion'),
    async newPage(url) {
      const handle = await serial(async () => {
        if (first) {
          const h = first;
          first = null;
          return h;
        }
        await session.switchTo().newWindow('window');
        return session.getWindowHandle();
      });
      await inWindow(handle, () => session.get(url));
      return {
        run: (expression) =>
          inWindow(handle, () => session.executeAsyncScript(`const done = arguments[arguments.length - 1]; (${expression}).then(done);`)),
        // the last window stays: closing it would end the session
        close: () =>
          inWindow(handle, async () => ((await session.getAllWindowHandles()).length > 1 ? session.close() : session.get('about:blank'))),
      };
    },
    async close() {
      await session.quit().catch(() => {});
      stop();
    },
  };
}
