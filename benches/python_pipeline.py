"""The Python approach gutenpipe is compared with (`make bench-e2e`): the
classic tutorial shape, nothing cleverer. Downloads on a ThreadPoolExecutor,
saves on another, tokenizes on a ProcessPoolExecutor (one process per core)
with re.findall(r"\\w+") and a Counter per book, the counters summed at the
end.

Usage: python3 python_pipeline.py URLS_FILE OUT_DIR [CPU_WORKERS]
Prints one line of JSON: books, tokens, distinct words, seconds.
"""

import json
import os
import re
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

DOWNLOAD_WORKERS = 16
SAVE_WORKERS = 4
WORD = re.compile(r"\w+")


def download(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return url, response.read()


def save(out_dir, url, data):
    path = os.path.join(out_dir, url.rsplit("/", 1)[-1])
    with open(path, "wb") as f:
        f.write(data)
    return path


def tokenize(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return Counter(WORD.findall(text.lower()))


def main():
    urls_file, out_dir = sys.argv[1], sys.argv[2]
    cpu_workers = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    with open(urls_file) as f:
        urls = [line.strip() for line in f if line.strip()]
    os.makedirs(out_dir, exist_ok=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(DOWNLOAD_WORKERS) as pool:
        books = list(pool.map(download, urls))
    with ThreadPoolExecutor(SAVE_WORKERS) as pool:
        paths = list(pool.map(lambda book: save(out_dir, *book), books))
    with ProcessPoolExecutor(cpu_workers) as pool:
        counts = list(pool.map(tokenize, paths))
    total = Counter()
    for c in counts:
        total.update(c)
    seconds = time.perf_counter() - start

    print(
        json.dumps(
            {
                "books": len(paths),
                "tokens": sum(total.values()),
                "distinct": len(total),
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
