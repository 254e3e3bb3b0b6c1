"""The table comparison of bench/tables.sh: each set, each seed, origami's
zero-config CSV mode (its own stratified 80/20 split from the seed) against
scikit-learn's pipeline on an 80/20 split from the same seed."""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

data, origami, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3])  # ONLY=penguins,credit: some sets
# (name, file, target, task, dropped by hand in scikit-learn)
SETS = [
    ("penguins", "palmerpenguins/data/penguins.csv", "species", "classification", []),
    ("credit", "ISLP/data/Credit.csv", "Balance", "regression", ["ID"]),
    ("default", "ISLP/data/Default.csv", "default", "classification", []),
    ("hitters", "ISLP/data/Hitters.csv", "Salary", "regression", []),
    ("msleep", "plotnine/data/msleep.csv", "sleep_total", "regression", ["name"]),
    ("carseats", "ISLP/data/Carseats.csv", "ShelveLoc", "classification", []),
    ("diamonds", "plotnine/data/diamonds.csv", "price", "regression", []),
]


def sklearn_scores(df, target, task, drop, seed):
    df = df.dropna(subset=[target])
    y = df[target]
    x = df.drop(columns=[target] + drop)
    num = [c for c in x.columns if x[c].dtype.kind in "if"]
    cat = [c for c in x.columns if c not in num]
    x[cat] = x[cat].astype(str).where(x[cat].notna(), np.nan)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore", sparse_output=False)), cat),
    ])
    strat = y if task == "classification" else None
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=strat)
    out = {}
    if task == "classification":
        models = {"mlp": MLPClassifier(random_state=seed), "hgb": HistGradientBoostingClassifier(random_state=seed)}
    else:
        models = {"mlp": MLPRegressor(random_state=seed), "hgb": HistGradientBoostingRegressor(random_state=seed)}
    for k, m in models.items():
        p = make_pipeline(pre, m)
        p.fit(xtr, ytr)
        pred = p.predict(xte)
        out[k] = accuracy_score(yte, pred) if task == "classification" else r2_score(yte, pred)
    return out


def origami_score(path, target, task, seed):
    with tempfile.TemporaryDirectory() as d:
        t = time.time()
        r = subprocess.run(
            [origami, "--threads", "2", "train", "--csv", path, "--target", target, "--task", task,
             "--seed", str(seed), "--out", os.path.join(d, "run"), "--json", "--quiet"],
            capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"origami failed on {path}: {r.stderr}")
        j = json.loads([l for l in r.stdout.splitlines() if l.startswith("{")][-1])
        return j["test_accuracy"] if task == "classification" else j["test_r2"], time.time() - t


print("| set | rows | task | metric | origami --csv | sklearn MLP pipeline | HistGradientBoosting | origami s/run |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
only = os.environ.get("ONLY", "").split(",") if os.environ.get("ONLY") else None
for name, file, target, task, drop in SETS:
    if only and name not in only:
        continue
    path = os.path.join(data, file)
    df = pd.read_csv(path)
    o, s, h, secs = [], [], [], []
    for seed in range(seeds):
        score, sec = origami_score(path, target, task, seed)
        o.append(score)
        secs.append(sec)
        sk = sklearn_scores(df.copy(), target, task, drop, seed)
        s.append(sk["mlp"])
        h.append(sk["hgb"])
    f = lambda v: f"{np.mean(v):.3f} ± {np.std(v):.3f}"
    metric = "accuracy" if task == "classification" else "R²"
    print(f"| {name} | {len(df)} | {task} | {metric} | {f(o)} | {f(s)} | {f(h)} | {np.median(secs):.1f} |", flush=True)
