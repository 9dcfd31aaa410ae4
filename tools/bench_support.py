"""What the benchmark scripts share (bench_mount.py, bench_vnc.py): the binaries of a build
directory, waiting on a condition, a process's CPU time, and ilo-sim with ilofs mounted on it
under a temporary directory. Not a test fixture (tests/mount has its own); no figures here.
"""
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binaries(build):
    """The three programs a benchmark runs, from the build directory `build`."""
    return SimpleNamespace(sim=os.path.join(build, "src/sim/ilo-sim"),
                           ilofs=os.path.join(build, "src/fs/ilofs"),
                           ilofs_rc=os.path.join(build, "src/rcd/ilofs-rc"))


def wait(pred, limit, what):
    """Polls `pred` until it is true; exits the benchmark after `limit` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if pred():
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"bench: timed out waiting for {what}")


def cpu_ticks(pid):
    """User plus system time of `pid` so far, in clock ticks (SC_CLK_TCK)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@contextlib.contextmanager
def mounted(build, prefix, sim_args=(), options=""):
    """ilo-sim (with `sim_args`) and ilofs mounted on it (with the extra mount `options`) in a
    fresh directory under $BENCH_DIR (default /var/tmp), until the console is up. Yields work
    (the directory), mnt, ilofs (its process) and https_port (the simulator's); unmounts, stops
    both and removes the directory on the way out."""
    bins = binaries(build)
    work = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    mnt = os.path.join(work, "mnt")
    os.makedirs(mnt)
    sim = subprocess.Popen([bins.sim, "--https-port", "0", "--rc-port", "0", "--vm-port", "0",
                            *sim_args],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ilofs = None
    try:
        ready = json.loads(sim.stdout.readline())
        passfile = os.path.join(work, "password")
        with open(os.open(passfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("ilo-sim-password\n")
        env = dict(os.environ, ILOFS_RC=bins.ilofs_rc)
        extra = "," + options if options else ""
        ilofs = subprocess.Popen([bins.ilofs, "-f", "-o",
                                  f"passfile={passfile},fingerprint={ready['fingerprint']},"
                                  f"cache={work}/cache{extra}",
                                  f"127.0.0.1:{ready['https_port']}", mnt],
                                 env=env, stderr=subprocess.DEVNULL)
        wait(lambda: os.path.ismount(mnt), 15, "the mount")
        wait(lambda: json.load(open(f"{mnt}/status"))["connections"]["console"]["state"] == "up",
             15, "the console")
        yield SimpleNamespace(work=work, mnt=mnt, ilofs=ilofs, https_port=ready["https_port"])
    finally:
        if ilofs:
            subprocess.run(["fusermount3", "-u", mnt], stderr=subprocess.DEVNULL)
            try:
                ilofs.wait(20)
            except subprocess.TimeoutExpired:
                ilofs.kill()
                ilofs.wait()
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", mnt], stderr=subprocess.DEVNULL)
        sim.terminate()
        sim.wait()
        shutil.rmtree(work, ignore_errors=True)
