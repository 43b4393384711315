#!/usr/bin/python3
"""scikit-learn's LogisticRegression (lbfgs) on the matrix SyntheticFeatureSet writes, timed like ClassifierTrainingBenchmark.

Usage: bench/sklearn-logistic-regression.py [folder with features.npy and labels.npy] [repetitions]
Prints each fit time, the median, and the accuracy on the last 10% of the rows (fit on the first 90%, as the Java side
holds out 10% for validation). StandardScaler is fitted inside the timed region, because the Java side standardises too.
"""
import statistics
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

folder = sys.argv[1] if len(sys.argv) > 1 else "target/classifier-benchmark"
repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 5
features = np.load(f"{folder}/features.npy")
labels = np.load(f"{folder}/labels.npy").astype(np.int64)
split = int(len(labels) * 0.9)
print(f"{features.shape[0]} x {features.shape[1]} features, {len(set(labels.tolist()))} classes; sklearn {__import__('sklearn').__version__}")

times = []
for repetition in range(repetitions):
    started = time.perf_counter()
    scaler = StandardScaler().fit(features[:split])
    model = LogisticRegression(solver="lbfgs", max_iter=100).fit(scaler.transform(features[:split]), labels[:split])
    elapsed = time.perf_counter() - started
    times.append(elapsed)
    accuracy = model.score(scaler.transform(features[split:]), labels[split:])
    print(f"fit {repetition + 1}: {elapsed:.3f} s, iterations {model.n_iter_[0]}, held-out accuracy {accuracy:.4f}")
print(f"median fit time: {statistics.median(times):.3f} s")
