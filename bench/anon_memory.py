#!/usr/bin/env python3
"""Splits a process's resident anonymous memory (RssAnon) by where it lives, from /proc/PID/smaps:
  brk      glibc's main arena ([heap])
  arenas   glibc's other arenas: 64 MiB-aligned heaps (as bench/malloc_arenas.py counts them)
  stacks   thread stacks: read-write mappings of 128 KiB or more right above a small no-access
           guard, and [stack]
  libs     copy-on-write data of mapped files (libraries' writable sections)
  other    the rest: the GC's regions, the runtime's loader heaps and JIT data, librdkafka's mmaps
Prints one line: "brk X  arenas X (N)  stacks X (N)  libs X  other X" in MB; the parts add up to
RssAnon. Usage: anon_memory.py PID"""
import sys

HEAP = 64 << 20
GUARD_MAX = 64 << 10
STACK_MIN = 128 << 10
maps = []  # (start, end, perms, name, anonymous resident KiB)
with open(f"/proc/{sys.argv[1]}/smaps") as f:
    for line in f:
        first = line.split(None, 5)
        if "-" in first[0] and len(first) >= 5 and ":" in first[3]:
            start, end = (int(x, 16) for x in first[0].split("-"))
            maps.append([start, end, first[1], first[5].strip() if len(first) > 5 else "", 0])
        elif first[0] == "Anonymous:":
            maps[-1][4] = int(first[1])

kib = {"brk": 0, "arenas": 0, "stacks": 0, "libs": 0, "other": 0}
count = {"arenas": 0, "stacks": 0}
in_heap_until = 0
for i, (start, end, perms, name, anon) in enumerate(maps):
    previous = maps[i - 1] if i else None
    following = maps[i + 1] if i + 1 < len(maps) else None
    if name == "[heap]":
        kind = "brk"
    elif start < in_heap_until:
        kind = "arenas"  # the reserved rest of an arena's heap
    elif not name and perms == "rw-p" and start % HEAP == 0 and (
            end - start == HEAP or (following and following[0] == end and following[2] == "---p"
                                    and not following[3] and following[1] == start + HEAP)):
        kind = "arenas"
        count["arenas"] += 1
        in_heap_until = start + HEAP
    elif name == "[stack]" or (not name and perms == "rw-p" and end - start >= STACK_MIN and previous and previous[1] == start
                               and previous[2] == "---p" and not previous[3]
                               and previous[1] - previous[0] <= GUARD_MAX):
        kind = "stacks"
        count["stacks"] += 1
    elif name and not name.startswith("["):
        kind = "libs"
    else:
        kind = "other"
    kib[kind] += anon

mb = {k: v / 1024 for k, v in kib.items()}
print(f"brk {mb['brk']:5.1f}  arenas {mb['arenas']:5.1f} ({count['arenas']:2d})  "
      f"stacks {mb['stacks']:5.1f} ({count['stacks']:2d})  libs {mb['libs']:4.1f}  other {mb['other']:5.1f}")
