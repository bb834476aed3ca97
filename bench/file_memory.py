#!/usr/bin/env python3
"""Resident file-backed memory (RssFile) of a process by file, from /proc/PID/smaps: for every mapped
file, its resident pages that are the file's own (Rss minus the copy-on-write Anonymous ones), summed
over the file's mappings. Shared memory (the runtime's doublemapper, /dev/shm, memfd) counts to
RssShmem, not here, and is left out.
  file_memory.py PID                 "KiB path" lines, largest first
  file_memory.py --diff BEFORE AFTER the files whose resident size changed by MIN_KIB (256) or more
"""
import os
import sys

SHARED = ("/memfd:", "/dev/shm/", "/SYSV")


def resident_by_file(pid):
    kib, name = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:
                name = fields[5] if len(fields) > 5 and fields[5].startswith("/") and not fields[5].startswith(SHARED) else None
            elif name and fields[0] == "Rss:":
                kib[name] = kib.get(name, 0) + int(fields[1])
            elif name and fields[0] == "Anonymous:":
                kib[name] -= int(fields[1])
    return kib


def read(path):
    with open(path) as f:
        return {name.strip(): int(size) for size, name in (line.split(None, 1) for line in f if line.strip())}


if sys.argv[1] == "--diff":
    before, after = read(sys.argv[2]), read(sys.argv[3])
    minimum = int(os.environ.get("MIN_KIB", "256"))
    changes = sorted(((after.get(n, 0) - before.get(n, 0), n) for n in before.keys() | after.keys()), reverse=True)
    shown = [(d, n) for d, n in changes if abs(d) >= minimum]
    total = sum(after.values()) - sum(before.values())
    print(f"RssFile by file: {total / 1024:+.1f} MB in all; changed by {minimum} KiB or more: "
          + (", ".join(f"{os.path.basename(n)} {d / 1024:+.1f} MB" for d, n in shown) or "none"))
else:
    for name, size in sorted(resident_by_file(sys.argv[1]).items(), key=lambda item: -item[1]):
        print(size, name)
