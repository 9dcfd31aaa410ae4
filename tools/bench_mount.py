#!/usr/bin/env python3
"""The mount's performance figures (issue 8), each next to a baseline measured in the same run.

Runs the release binaries in build-release/: ilo-sim, ilofs (mounted under a temporary
directory) and ilofs-rc, all on 127.0.0.1. Prints one line per figure. Called by
`tools/bench mount`; not a test (absolute times on shared machines are noise, ratios are not).
"""
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

from bench_support import ROOT, cpu_ticks, mounted, wait

BUILD = os.path.join(ROOT, "build-release")
GIB = 1 << 30


def sim_state(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/sim/state", context=ctx) as r:
        return json.load(r)


def sim_post(port, path):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx) as r:
        return r.status


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pss_kib(pid):
    """Proportional set size: pages shared with the other process (libraries, the frame
    memfd) counted once between them."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def pid_of(name, parent=None):
    out = subprocess.run(["pgrep", "-n", "-x", name] + (["-P", str(parent)] if parent else []),
                         capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def timed_cp(src, dst_dir):
    start = time.perf_counter()
    subprocess.run(["cp", src, dst_dir + "/"], check=True)
    return time.perf_counter() - start


def main():
    with mounted(BUILD, "ilofs-bench-") as m:
        work, mnt, ilofs, port = m.work, m.mnt, m.ilofs, m.https_port
        rc_pid = pid_of("ilofs-rc", ilofs.pid)

        # 1. cp of 1 GiB into the mount vs into a plain directory on the same file system.
        big = os.path.join(work, "big.iso")
        with open(big, "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(1024):
                f.write(block)
        plain = os.path.join(work, "plain")
        os.makedirs(plain)
        ratios = []
        for _ in range(3):
            base = timed_cp(big, plain)
            os.unlink(os.path.join(plain, "big.iso"))
            through = timed_cp(big, mnt)
            os.unlink(os.path.join(mnt, "big.iso"))
            ratios.append((base, through))
        base, through = sorted(ratios, key=lambda r: r[1])[1]
        print(f"cp 1 GiB into the mount: {GIB / through / 1e6:.0f} MB/s; into a plain directory "
              f"on the same file system: {GIB / base / 1e6:.0f} MB/s; ratio {base / through:.2f}")
        # The same with the data on disk at the end (cp, then sync), as an image must be before
        # a server boots from it after a crash.
        def cp_sync(dst):
            start = time.perf_counter()
            subprocess.run(["cp", big, dst + "/"], check=True)
            os.sync()
            return time.perf_counter() - start
        os.sync()
        base = cp_sync(plain)
        os.unlink(os.path.join(plain, "big.iso"))
        os.sync()
        through = cp_sync(mnt)
        os.unlink(os.path.join(mnt, "big.iso"))
        print(f"cp + sync of 1 GiB into the mount: {GIB / through / 1e6:.0f} MB/s; into a plain "
              f"directory: {GIB / base / 1e6:.0f} MB/s; ratio {base / through:.2f}")

        # 2. Whole-disc read by ilo-sim of an image inserted through the mount (hashing on).
        os.symlink(big, os.path.join(mnt, "read.iso"))
        wait(lambda: sim_state(port)["vm"]["medium_present"], 15, "the medium")
        start = time.perf_counter()
        sim_post(port, "/sim/vm/read-all")
        wait(lambda: sim_state(port)["vm"]["last_read_sha256"] is not None, 120, "the read")
        took = time.perf_counter() - start
        print(f"ilo-sim reading 1 GiB inserted through the mount (64-block requests, SHA-256 on "
              f"the simulator side): {GIB / took / 1e6:.0f} MB/s "
              f"(in-process VmSession figure: tools/bench vm)")
        os.unlink(os.path.join(mnt, "read.iso"))

        # 3. screen.ppm: open + read + close, vs the same for a regular file of the same size.
        same = os.path.join(work, "same.ppm")
        shutil.copyfile(f"{mnt}/screen.ppm", same)

        def median_read(path, n=200):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                with open(path, "rb") as f:
                    while f.read(1 << 20):
                        pass
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        ppm = median_read(f"{mnt}/screen.ppm")
        plain_ppm = median_read(same)
        size = os.path.getsize(same)
        print(f"screen.ppm ({size} bytes) open+read: median {ppm * 1e3:.2f} ms; the same bytes "
              f"from a page-cached file: {plain_ppm * 1e3:.2f} ms; ratio {plain_ppm / ppm:.2f}")

        # 4. Resident memory with a 4 GiB image being read and the console streaming.
        huge = os.path.join(work, "huge.iso")
        with open(huge, "wb") as f:
            f.truncate(4 * GIB)
        os.symlink(huge, os.path.join(mnt, "huge.iso"))
        wait(lambda: sim_state(port)["vm"]["medium_present"], 15, "the medium")
        sim_post(port, "/sim/vm/read-all")
        peak = (0, 0, 0)
        peak_pss = 0
        with open(f"{mnt}/keyboard", "w") as k:
            k.write("yes<Enter>")
        while sim_state(port)["vm"]["reading"] or peak[0] == 0:
            mount_kib = rss_kib(ilofs.pid)
            rc_kib = rss_kib(rc_pid) if rc_pid else 0
            if mount_kib + rc_kib > peak[0]:
                peak = (mount_kib + rc_kib, mount_kib, rc_kib)
            peak_pss = max(peak_pss, pss_kib(ilofs.pid) + (pss_kib(rc_pid) if rc_pid else 0))
            time.sleep(0.05)
        print(f"memory of ilofs + ilofs-rc while ilo-sim reads a 4 GiB image and the console "
              f"streams: peak RSS sum {peak[0] / 1024:.1f} MiB (ilofs {peak[1] / 1024:.1f}, "
              f"ilofs-rc {peak[2] / 1024:.1f}; shared pages counted twice), peak PSS sum "
              f"{peak_pss / 1024:.1f} MiB")
        os.unlink(os.path.join(mnt, "huge.iso"))

        # 5. CPU over 60 s with a static screen and no media traffic.
        seconds = int(os.environ.get("BENCH_IDLE_SECONDS", "60"))
        hz = os.sysconf("SC_CLK_TCK")
        before = cpu_ticks(ilofs.pid) + (cpu_ticks(rc_pid) if rc_pid else 0)
        time.sleep(seconds)
        after = cpu_ticks(ilofs.pid) + (cpu_ticks(rc_pid) if rc_pid else 0)
        print(f"CPU of ilofs + ilofs-rc over {seconds} s, static screen, no media: "
              f"{100.0 * (after - before) / hz / seconds:.2f}% of one core")


if __name__ == "__main__":
    sys.exit(main())
