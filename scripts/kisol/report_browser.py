# SPDX-License-Identifier: GPL-2.0-only
"""Open a page in headless Debian chromium through the DevTools protocol
(over --remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4, no
websocket needed) and report what a person would see: whether it loaded,
every image's load state, console errors and exceptions; optionally save a
full-page screenshot.

usage: report_browser.py PAGE.html [--screenshot FILE.png]
Exit status 0 when the page loaded with every image and no console error,
1 otherwise, 2 on bad input (missing page, no chromium).
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

from kisol.usage import Parser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--window-size=1400,1000", "--hide-scrollbars"]

# when the page scrolls sideways: the outermost elements sticking out
WIDE_JS = """(() => { const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return '[]';
  return JSON.stringify(Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= w + 1)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className ? '.' + e.className : '')).slice(0, 10)); })()"""

IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
  src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth,
  height: i.naturalHeight})))"""


class BrowserError(Exception):
    pass


class _Pipe:
    def __init__(self, wfd, rfd, deadline):
        self.w, self.r, self.deadline = wfd, rfd, deadline
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.w, data)
            data = data[n:]
        return self.next_id

    def _read_one(self):
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for chromium")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        mid = self.send(method, params, session)
        while True:
            msg = self._read_one()
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, session=None):
        for i, ev in enumerate(self.events):
            if ev["method"] == method and ev.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            msg = self._read_one()
            if msg.get("method") == method and msg.get("sessionId") == session:
                return msg
            if "method" in msg:
                self.events.append(msg)


def _high_fd(fd):
    """Move fd above 9 so bash's 3<& and 4>& cannot clobber it."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


def check_page(page, screenshot=None, timeout=90):
    """-> dict(loaded, images=[...], errors=[...], title, screenshot)."""
    if not os.path.exists(page):
        raise FileNotFoundError(page)
    if not os.path.exists(CHROMIUM):
        raise BrowserError(f"{CHROMIUM} not found (scripts/install-deps --report)")
    url = "file://" + os.path.abspath(page)
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    to_chrome_r, to_chrome_w = map(_high_fd, os.pipe())
    from_chrome_r, from_chrome_w = map(_high_fd, os.pipe())
    shell = (f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} '
             f'{to_chrome_r}<&- {from_chrome_w}>&-')
    proc = subprocess.Popen(["bash", "-c", shell, CHROMIUM] + FLAGS +
                            [f"--user-data-dir={profile}", "about:blank"],
                            pass_fds=(to_chrome_r, from_chrome_w),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(to_chrome_w, from_chrome_r, time.monotonic() + timeout)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sess = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for dom in ("Runtime.enable", "Log.enable", "Page.enable"):
            pipe.call(dom, session=sess)
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
                  session=sess)
        nav = pipe.call("Page.navigate", {"url": url}, session=sess)
        if nav.get("errorText"):
            raise BrowserError(f"navigation failed: {nav['errorText']}")
        pipe.wait_event("Page.loadEventFired", sess)
        res = pipe.call("Runtime.evaluate", {"expression": IMAGES_JS, "returnByValue": True},
                        session=sess)
        images = json.loads(res["result"]["value"])
        title = pipe.call("Runtime.evaluate", {"expression": "document.title",
                                                "returnByValue": True},
                          session=sess)["result"]["value"]
        wide = pipe.call("Runtime.evaluate", {"expression": WIDE_JS, "returnByValue": True},
                         session=sess)["result"]["value"]
        shot = None
        if screenshot:
            data = pipe.call("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True}, session=sess)
            os.makedirs(os.path.dirname(screenshot) or ".", exist_ok=True)
            with open(screenshot, "wb") as f:
                f.write(base64.b64decode(data["data"]))
            shot = screenshot
        errors = []
        for ev in pipe.events:
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append("exception: " + p.get("exceptionDetails", {}).get("text", "?"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append("console." + p["type"] + ": " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".strip())
        try:
            pipe.send("Browser.close")
        except OSError:
            pass
        return {"loaded": True, "title": title, "images": images, "errors": errors,
                "screenshot": shot, "too_wide": json.loads(wide)}
    finally:
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv=None):
    ap = Parser(prog="kisol-report-browser")
    ap.add_argument("page")
    ap.add_argument("--screenshot")
    args = ap.parse_args(argv)
    try:
        r = check_page(args.page, args.screenshot)
    except FileNotFoundError:
        print(f"kisol-report-browser: {args.page}: no such file", file=sys.stderr)
        return 2
    except BrowserError as e:
        print(f"kisol-report-browser: {e}", file=sys.stderr)
        return 2
    bad = [i for i in r["images"] if not i["complete"] or not i["width"]]
    print(f"title: {r['title']}")
    print(f"images: {len(r['images'])} ({len(bad)} not loaded)")
    for i in bad:
        print(f"  not loaded: {i['src']}")
    print(f"wider than the window: {', '.join(r['too_wide']) or 'nothing'}")
    print(f"console errors: {len(r['errors'])}")
    for e in r["errors"]:
        print(f"  {e}")
    return 0 if not bad and not r["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
