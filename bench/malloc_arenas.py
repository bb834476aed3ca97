#!/usr/bin/env python3
"""Counts glibc malloc heaps of a process: every arena but the main one lives in 64 MiB heaps, each
mapped at a 64 MiB boundary as read-write pages followed by the not-yet-used rest of the 64 MiB.
One heap per arena unless an arena outgrew 64 MiB. Usage: malloc_arenas.py PID"""
import sys

HEAP = 64 << 20
maps = []
with open(f"/proc/{sys.argv[1]}/maps") as f:
    for line in f:
        parts = line.split()
        start, end = (int(x, 16) for x in parts[0].split("-"))
        maps.append((start, end, parts[1], parts[5] if len(parts) > 5 else ""))

heaps = 0
for i, (start, end, perms, name) in enumerate(maps):
    if name or perms != "rw-p" or start % HEAP:
        continue
    rest = maps[i + 1] if i + 1 < len(maps) else None
    if end - start == HEAP or (rest and rest[0] == end and rest[2] == "---p" and not rest[3] and rest[1] == start + HEAP):
        heaps += 1
print(heaps)
