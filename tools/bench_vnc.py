#!/usr/bin/env python3
"""The VNC console's CPU figure (issue 11): CPU of the companion ilofs-rc while the simulated
screen changes at the simulator's frame rate, with one VNC viewer attached, as a ratio against
the same companion without a viewer, measured in the same run.

Runs ilo-sim, ilofs (with vnc=127.0.0.1:PORT, no password: loopback) and ilofs-rc from a build
directory (default build-release/, or the first argument). The screen is kept changing by
typing through the `keyboard` file; the viewer is a minimal RFB client here that asks for ZRLE
(as TigerVNC does), reads every update and discards it. Called by `tools/bench vnc`; not a test.
"""
import json
import os
import socket
import struct
import sys
import threading
import time

from bench_support import ROOT, cpu_ticks, mounted, wait

BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-release")
WINDOW = 10.0  # seconds per measurement
FRAME_MS = 50  # the simulator's frame interval


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return bytes(data)


class Viewer(threading.Thread):
    """RFB 3.8 without authentication; ZRLE and desktop-size; incremental updates forever."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.updates = 0
        self.bytes = 0
        self.stop = False

    def run(self):
        try:
            self.serve()
        except (ConnectionError, OSError):
            if not self.stop:
                raise

    def serve(self):
        s = self.sock
        recv_exact(s, 12)
        s.sendall(b"RFB 003.008\n")
        types = recv_exact(s, recv_exact(s, 1)[0])
        if 1 not in types:
            raise SystemExit("bench: the VNC server wants a password")
        s.sendall(b"\x01")
        if struct.unpack(">I", recv_exact(s, 4))[0] != 0:
            raise SystemExit("bench: VNC security handshake failed")
        s.sendall(b"\x01")  # shared
        init = recv_exact(s, 24)
        width, height = struct.unpack(">HH", init[:4])
        recv_exact(s, struct.unpack(">I", init[20:24])[0])
        s.sendall(struct.pack(">BxHii", 2, 2, 16, -223))  # SetEncodings: ZRLE, DesktopSize
        s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
        while not self.stop:
            kind = recv_exact(s, 1)[0]
            if kind == 0:  # FramebufferUpdate
                rects = struct.unpack(">xH", recv_exact(s, 3))[0]
                for _ in range(rects):
                    _, _, w, h, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
                    if enc == 16:
                        self.bytes += len(recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0]))
                    elif enc == 0:
                        self.bytes += len(recv_exact(s, w * h * 4))
                    elif enc == -223:
                        width, height = w, h
                self.updates += 1
                s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, width, height))
            elif kind == 2:  # Bell
                pass
            elif kind == 3:  # ServerCutText
                recv_exact(s, 3)
                recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])
            else:
                raise SystemExit(f"bench: unexpected RFB message {kind}")


def typist(mnt, stop):
    """Keeps the screen changing faster than the simulator sends frames: a character typed
    and erased over and over (each write returns once its keys were sent, paced)."""
    while not stop.is_set():
        with open(f"{mnt}/keyboard", "w") as f:
            f.write("x<Backspace>")


def main():
    vnc_port = free_port()
    with mounted(BUILD, "ilofs-bench-vnc-", sim_args=("--frame-interval", str(FRAME_MS)),
                 options=f"vnc=127.0.0.1:{vnc_port}") as m:
        mnt = m.mnt
        status = lambda: json.load(open(f"{mnt}/status"))
        time.sleep(3)  # past the boot banner, at the prompt
        rc_pid = status()["companion"]["pid"]
        stop = threading.Event()
        typer = threading.Thread(target=typist, args=(mnt, stop), daemon=True)
        typer.start()
        hz = os.sysconf("SC_CLK_TCK")

        def measure():
            frames0, ticks0, t0 = status()["screen"]["frames"], cpu_ticks(rc_pid), time.monotonic()
            time.sleep(WINDOW)
            seconds = time.monotonic() - t0
            cpu = (cpu_ticks(rc_pid) - ticks0) / hz / seconds
            return cpu, (status()["screen"]["frames"] - frames0) / seconds

        alone, fps_alone = measure()
        viewer = Viewer(vnc_port)
        viewer.start()
        wait(lambda: len(status()["vnc"]["viewers"]) == 1, 5, "the viewer")
        updates0 = viewer.updates
        watched, fps_watched = measure()
        updates = (viewer.updates - updates0) / WINDOW
        viewer.stop = True
        stop.set()
        typer.join()
        print(f"companion CPU, screen changing at {fps_watched:.1f} frames/s: "
              f"{watched * 100:.2f} % of a core with one VNC viewer ({updates:.1f} updates/s, "
              f"ZRLE); without a viewer ({fps_alone:.1f} frames/s): {alone * 100:.2f} %; "
              f"ratio {watched / alone if alone > 0 else float('inf'):.2f}")


if __name__ == "__main__":
    main()
