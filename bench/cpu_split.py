#!/usr/bin/env python3
"""Where the machine's CPU went during a measured window: the service, the load generator,
PostgreSQL, the Kafka broker and everything else, as shares of all cores' time.

    cpu_split.py SERVICE_PID DELAY_S WINDOW_S   # sleeps DELAY_S (the warm-up), then measures WINDOW_S

Prints one line: CPU service=..% loadgen=..% postgres=..% kafka=..% other=..% idle=..% steal=..% (of N cores).
Reads /proc only: utime + stime of every process at the start and the end of the window.
"""
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def group(pid: int, service: int) -> str:
    if pid == service:
        return "service"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except OSError:
        return "other"
    if "LoadGen" in cmd:
        return "loadgen"
    if comm == "postgres" or "postgres" in cmd.split(" ")[0]:
        return "postgres"
    if "KafkaMock" in cmd:
        return "kafka"
    return "other"


def snapshot(service: int) -> dict[int, tuple[str, int]]:
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        result[pid] = (group(pid, service), int(fields[11]) + int(fields[12]))
    return result


def machine_ticks() -> tuple[int, int]:
    """Idle (with iowait) and steal (time the hypervisor gave this VM's cores to others)."""
    with open("/proc/stat") as f:
        cpu = f.readline().split()
    return int(cpu[4]) + int(cpu[5]), int(cpu[8])


def main() -> None:
    service, delay, window = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    time.sleep(delay)
    before, machine_before, started = snapshot(service), machine_ticks(), time.monotonic()
    time.sleep(window)
    after, machine_after, elapsed = snapshot(service), machine_ticks(), time.monotonic() - started
    cores = os.cpu_count() or 1
    total = elapsed * TICKS * cores
    used: dict[str, int] = {}
    for pid, (name, ticks) in after.items():
        used[name] = used.get(name, 0) + ticks - before.get(pid, (name, 0))[1]
    shares = " ".join(f"{name}={100 * used.get(name, 0) / total:.0f}%" for name in ("service", "loadgen", "postgres", "kafka", "other"))
    idle, steal = (100 * (a - b) / total for a, b in zip(machine_after, machine_before))
    print(f"CPU {shares} idle={idle:.0f}% steal={steal:.0f}% (of {cores} cores, {elapsed:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
