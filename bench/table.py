"""Renders origami's and the peers' JSON lines as one markdown table."""
import json
import sys


def load(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def key_of(d):
    w = d.get("workload", "").replace("_", "-")
    if w == "W4-gemm":
        if d.get("gemm_threads", 2) != 2 and d.get("framework") != "origami":
            return None
        return f"W4-gemm {'x'.join(map(str, d['shape']))}"
    if w in ("W1-mlp", "W2-cnn", "W3-tiny"):
        return f"{w} b{d.get('batch', '')}" if w != "W3-tiny" else w
    if w == "W1-mlp-accuracy":
        return "W1 test accuracy (5 epochs, b32)"
    return None


def value(d):
    for k in ("gflops", "samples_per_s", "steps_per_s", "accuracy", "value"):
        if k in d and isinstance(d[k], (int, float)):
            return float(d[k])
    return None


def main():
    ours, peers = load(sys.argv[1]), load(sys.argv[2])
    date = open(sys.argv[3]).read().strip() if len(sys.argv) > 3 else ""
    cpu = open(sys.argv[4]).read().strip() if len(sys.argv) > 4 else ""
    rows, frameworks = {}, []
    for d in peers:
        k = key_of(d)
        if k is None or value(d) is None:
            continue
        fw = d["framework"]
        if fw not in frameworks:
            frameworks.append(fw)
        # a peer measured in several variants (numpy with and without the
        # machine's OpenBLAS overrides) is shown at its best
        row = rows.setdefault(k, {})
        row[fw] = max(row.get(fw, value(d)), value(d))
    for d in ours:
        k = key_of(d)
        if k is not None:
            rows.setdefault(k, {})["origami"] = value(d)
    print(f"Run of {date} on {cpu}, 2 threads, medians of 3.\n")
    print("| workload | origami | " + " | ".join(frameworks) + " | origami / best peer |")
    print("|---|---:|" + "---:|" * len(frameworks) + "---:|")
    for k in sorted(rows):
        r = rows[k]
        best = max((v for f, v in r.items() if f != "origami"), default=None)
        o = r.get("origami")
        ratio = f"{o / best:.2f}x" if (o and best) else "–"
        fmt = (lambda v: f"{v:.4f}") if "accuracy" in k else (lambda v: f"{v:,.1f}")
        cells = [fmt(r[f]) if f in r else "–" for f in frameworks]
        print(f"| {k} | {fmt(o)} | " if o else f"| {k} | – | ", end="")
        print(" | ".join(cells) + f" | {ratio} |")
    # Peak RSS on W1 after the b32 and b256 timings (the b256 line), against
    # PyTorch's process running the same two (compare.sh measures it).
    ours_rss = [d.get("peak_rss_mb") for d in ours if d.get("workload") == "W1-mlp" and d.get("batch") == 256]
    torch_kb = None
    if len(sys.argv) > 5:
        try:
            torch_kb = float(open(sys.argv[5]).read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    if ours_rss and ours_rss[0] and torch_kb:
        t = torch_kb / 1024
        print(f"\nW1 peak RSS: origami {ours_rss[0]:,.0f} MB, PyTorch {t:,.0f} MB ({ours_rss[0] / t:.2f} of PyTorch's)")
    # 1 -> 2 threads on W1: the ratio within each back-to-back pair, then their median.
    for batch in (32, 256):
        pairs = {}
        for d in ours:
            if d.get("workload") == "W1-mlp-scaling" and d.get("batch") == batch:
                pairs.setdefault(d["pair"], {})[d["threads"]] = value(d)
        ratios = sorted(p[2] / p[1] for p in pairs.values() if p.get(1) and p.get(2))
        if ratios:
            each = ", ".join(
                f"{p[1]:,.0f} -> {p[2]:,.0f} ({p[2] / p[1]:.2f}x)" for _, p in sorted(pairs.items()) if 1 in p and 2 in p
            )
            print(f"\nW1 b{batch}, 1 -> 2 threads, back-to-back pairs: {each}; median {ratios[len(ratios) // 2]:.2f}x")
    extra = [d for d in ours if d.get("workload") == "overhead"]
    for d in extra:
        print(f"\norigami {d['workload']} (threads {d.get('threads')}, batch {d.get('batch')}): {value(d):,.1f}")


main()
