"""Reading nastab's HDF5 files with h5py: tables (tables/SCHEMA.md) and
results files (results/RESULTS.md). Numbers come back as numpy arrays,
NaN = missing, under the names the CLI uses (`nastab tables query`)."""
import h5py
import numpy as np


class Table:
    """A table file: Table("build/nb201.h5").

    t.archs                      official strings, row = index (numpy str array)
    t.index(arch)                row of an official string (KeyError when absent)
    t.datasets                   ["cifar10-valid", "cifar10", ...]
    t.fidelities(ds)             [12, 200]
    t.metrics(ds, fid)           ["train_acc", "valid_acc", ...]
    t.column(ds, fid, metric)    (N,) float32 final-epoch seed mean
    t.curve(ds, fid, metric)     (epochs, (N, E) float32) or None
    t.cost(ds, name)             (N,) float32: train_time_per_epoch, eval_time, params, flops
    t.hardware(name)             (N,) float32 hardware column; t.hardware_columns lists them
    t.query(arch_or_index, dataset=None)  {dataset: {fidelity: {metric: value}}, costs...}
    """

    def __init__(self, path):
        self.path = path
        self.f = h5py.File(path, "r")
        fmt = self.f.attrs.get("format", b"")
        fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
        if fmt != "nastab-table":
            raise ValueError("%s: format is %r, not 'nastab-table'" % (path, fmt))
        if int(self.f.attrs["schema_version"]) != 1:
            raise ValueError("%s: schema_version %s, this package reads 1" % (path, self.f.attrs["schema_version"]))
        self.archs = self.f["archs/str"].asstr()[:]
        self._rows = None
        self.datasets = list(self.f["datasets"].keys())
        self.hardware_columns = list(self.f["hardware"].keys()) if "hardware" in self.f else []

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def __len__(self):
        return len(self.archs)

    def index(self, arch):
        if self._rows is None:
            self._rows = {a: i for i, a in enumerate(self.archs)}
        return self._rows[arch]

    def _row(self, arch_or_index):
        return int(arch_or_index) if not isinstance(arch_or_index, str) else self.index(arch_or_index)

    def fidelities(self, ds):
        return sorted(int(k) for k in self.f["datasets"][ds].keys())

    def metrics(self, ds, fid):
        return list(self.f["datasets/%s/%d" % (ds, fid)].keys())

    def column(self, ds, fid, metric):
        return self.f["datasets/%s/%d/%s/final_mean" % (ds, fid, metric)][:]

    def curve(self, ds, fid, metric):
        g = self.f["datasets/%s/%d/%s" % (ds, fid, metric)]
        if "curve_mean" not in g:
            return None
        d = g["curve_mean"]
        return np.asarray(d.attrs["epochs"]), d[:]

    def cost(self, ds, name):
        return self.f["costs/%s/%s" % (ds, name)][:]

    def hardware(self, name):
        return self.f["hardware/%s" % name][:]

    def query(self, arch_or_index, dataset=None):
        i = self._row(arch_or_index)
        out = {"index": i, "arch": str(self.archs[i]), "datasets": {}}
        for ds in [dataset] if dataset else self.datasets:
            d = out["datasets"][ds] = {}
            for fid in self.fidelities(ds):
                d[str(fid)] = {m: _val(self.f["datasets/%s/%d/%s/final_mean" % (ds, fid, m)][i])
                               for m in self.metrics(ds, fid)}
            if "costs" in self.f and ds in self.f["costs"]:
                d["costs"] = {c: _val(v[i]) for c, v in self.f["costs"][ds].items()}
        return out


def _val(x):
    x = float(x)
    return None if x != x else x


class Results:
    """A results file of `nastab run` (results/RESULTS.md):
    r = Results("results.h5"); r.attrs["command"]; r.series -> [(dataset, strategy)];
    s = r["cifar10", "rea"]: dict of numpy arrays (time, valid, test, final_valid,
    final_test, final_arch, n_evals) and its attributes (budget, runs, workers,
    optimum_test, external_command when the strategy was external)."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            self._data = {}
            for ds, g in f["series"].items():
                for st, s in g.items():
                    d = {k: s[k][:] for k in s.keys()}
                    d.update({k: (v.decode() if isinstance(v, bytes) else v) for k, v in s.attrs.items()})
                    self._data[ds, st] = d
        self.series = list(self._data.keys())

    def __getitem__(self, key):
        return self._data[key]
