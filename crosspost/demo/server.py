"""Serve the sample web over real HTTP: one server per site on its own loopback address.

Every site listens on its ip (127.0.1.N) and one common port, so a crawler that maps the .test
names to those addresses (RunningWeb.hosts) sees eight separate hosts.
"""

from __future__ import annotations

import contextlib
import errno
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .web import SampleWeb, Truth, build_web


@dataclass
class RunningWeb:
    """A served sample web: its port, host map, request log and clock."""

    web: SampleWeb
    port: int
    hosts: dict[str, str]
    now: datetime | None = None
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    _failures: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def base_url(self, host: str) -> str:
        return f"http://{host}:{self.port}/"

    @property
    def base_urls(self) -> dict[str, str]:
        return {host: self.base_url(host) for host in self.hosts}

    @property
    def truth(self) -> Truth:
        return self.web.truth.for_port(self.port)

    def set_now(self, now: datetime | None) -> None:
        """Move the web's clock: pages published by `now` exist (None: all of them)."""
        with self._lock:
            self.now = now

    def fail_once(self, host: str, path: str, status: int = 503) -> None:
        """Make the next request for host + path (exact, with query) answer `status`."""
        with self._lock:
            self._failures.setdefault((host, path), []).append(status)

    def _answer(self, host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            pending = self._failures.get((host, path))
            failure = pending.pop(0) if pending else None
            now = self.now
        if failure is not None:
            body = f"Temporary failure ({failure})\n".encode()
            status, headers = failure, {"Content-Type": "text/plain", "Retry-After": "1"}
        else:
            response = self.web.response(host, path, now=now, port=self.port)
            status, headers, body = response.status, response.headers, response.body
        with self._lock:
            self.requests.append((host, path, status))
        return status, headers, body


def _handler(running: RunningWeb, site_host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "crosspost-demo/1"

        def _serve(self, with_body: bool) -> None:
            host = (self.headers.get("Host") or site_host).split(":")[0].lower()
            if host not in running.hosts:
                host = site_host  # reached by ip: answer as the site bound to it
            status, headers, body = running._answer(host, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._serve(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(False)

        def log_message(self, format: str, *args) -> None:  # quiet
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _bind_all(running: RunningWeb, port: int) -> list[_Server]:
    servers: list[_Server] = []
    try:
        for host, ip in running.hosts.items():
            server = _Server((ip, port), _handler(running, host))
            port = server.server_address[1]
            servers.append(server)
    except OSError:
        for server in servers:
            server.server_close()
        raise
    running.port = port
    return servers


@contextlib.contextmanager
def serve(web: SampleWeb, port: int = 0, now: datetime | None = None) -> Iterator[RunningWeb]:
    """Serve every site of `web` on its 127.0.1.N address and one port (0: pick a free one)."""
    hosts = {site.host: site.ip for site in web.sites}
    running = RunningWeb(web, port, hosts, now)
    for attempt in range(20):
        try:
            servers = _bind_all(running, port)
            break
        except OSError as err:
            if port != 0 or err.errno != errno.EADDRINUSE or attempt == 19:
                raise
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                                daemon=True) for s in servers]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        yield running
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=2)


def main() -> None:  # pragma: no cover (interactive)
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Serve the crosspost sample web until Ctrl-C.")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with serve(build_web(args.seed), args.port) as running:
        for site in running.web.sites:
            print(f"{running.base_url(site.host):45} {site.role:12} on {site.ip}")
        first = running.web.sites[0]
        print(f"\ntry: curl --resolve {first.host}:{running.port}:{first.ip} "
              f"{running.base_url(first.host)}\nCtrl-C to stop.")  # fmt: skip
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":  # pragma: no cover
    main()
