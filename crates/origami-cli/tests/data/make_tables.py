"""Writes the small tables of the CLI's table tests (deterministic: Python's
random with fixed seeds; run from this folder, python3 make_tables.py).

passengers.csv: an ID column, a name (unique text), a class code, sex,
age with a quarter missing (empty or NA), a fare, an embarked port with
'?' gaps, a yes/no column, a constant column, free-text notes; the target
'survived' depends on sex, class and age, as on the Titanic.
passengers_new.csv: rows to predict, columns shuffled, an extra column, a
port never seen in training, no target.
"""
import math
import random

def passengers(n, seed):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        pclass = rnd.choice([1, 2, 3, 3])
        sex = rnd.choice(["male", "female"])
        age = max(1.0, rnd.gauss(30, 13))
        fare = round({1: 80, 2: 25, 3: 10}[pclass] * rnd.uniform(0.5, 1.5), 2)
        port = rnd.choice(["S", "S", "S", "C", "Q"])
        alone = rnd.choice(["yes", "no"])
        z = 1.2 * (sex == "female") - 0.8 * (pclass - 2) - 0.03 * (age - 30) + rnd.gauss(0, 0.6) - 0.3
        survived = int(z > 0)
        age_s = f"{age:.0f}"
        if rnd.random() < 0.25:
            age_s = rnd.choice(["", "NA"])
        if rnd.random() < 0.05:
            port = "?"
        words = ["quiet", "tall", "kind", "late", "early", "loud", "calm"]
        note = " ".join(rnd.choice(words) for _ in range(4)) + f" {i}"
        rows.append([str(1000 + i), f"Passenger {i}", str(pclass), sex, age_s, str(fare), port, alone,
                     "Atlantic", note, str(survived)])
    return rows

head = ["id", "name", "pclass", "sex", "age", "fare", "embarked", "alone", "ocean", "notes", "survived"]
with open("passengers.csv", "w") as f:
    f.write(",".join(head) + "\n")
    for r in passengers(400, 1):
        f.write(",".join(r) + "\n")

new = passengers(30, 2)
order = ["fare", "extra", "sex", "embarked", "alone", "age", "pclass", "ocean", "name", "id", "notes"]
with open("passengers_new.csv", "w") as f:
    f.write(",".join(order) + "\n")
    for k, r in enumerate(new):
        d = dict(zip(head, r))
        d["extra"] = "x"
        if k == 3:
            d["embarked"] = "Z"  # a port never seen in training
        f.write(",".join(d[c] for c in order) + "\n")
