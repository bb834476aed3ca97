#!/usr/bin/env python3
"""SQLite's write-ahead log of a running service, every INTERVAL seconds (default 0.25), read from the
header of its index (DB-shm) without taking any lock: frames in the log (mxFrame), frames copied into
the database (nBackfill), the readers' marks, and the size of the -wal file. A log that is started
over drops back to a few frames; one that is not keeps growing.
  wal_state.py SERVICE_DIR/data/gigaoffice.db [INTERVAL]     until the file goes away (Ctrl+C to stop)
Prints the largest mxFrame at the end."""
import os
import struct
import sys
import time

db = sys.argv[1]
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.25
while not os.path.exists(db + "-shm"):
    time.sleep(0.5)
start, largest = time.time(), 0
try:
    while True:
        try:
            with open(db + "-shm", "rb") as f:
                header = f.read(136)
            wal = os.path.getsize(db + "-wal")
        except FileNotFoundError:
            break  # the service closed the database
        if len(header) == 136:
            frames = struct.unpack_from("<I", header, 16)[0]  # WalIndexHdr.mxFrame
            backfill = struct.unpack_from("<I", header, 96)[0]  # WalCkptInfo.nBackfill
            marks = [m for m in struct.unpack_from("<5I", header, 100) if m != 0xFFFFFFFF]
            largest = max(largest, frames)
            print(f"{time.time() - start:7.2f} s  frames {frames:7d}  copied {backfill:7d}  read marks {marks}  file {wal / 1048576:7.1f} MB", flush=True)
        time.sleep(interval)
except KeyboardInterrupt:
    pass
print(f"largest log: {largest} frames")
