"""nastab from Python: write a search strategy and run it under nastab's
simulated clock (`nastab run --strategy-exec 'python3 my.py'`), and read
tables and results files into numpy.

    import nastab

    class Random(nastab.Strategy):
        def ask(self):
            return self.env.random_arch(self.rng)
        def tell(self, arch, score):
            pass

    if __name__ == "__main__":
        nastab.serve(Random)

The strategy side needs only the standard library; Table and Results need
numpy and h5py (Debian: python3-numpy python3-h5py)."""
from .protocol import PROTOCOL, WAIT, Ask, Env, Strategy, Told, serve

__all__ = ["PROTOCOL", "WAIT", "Ask", "Env", "Strategy", "Told", "serve", "Table", "Results"]
__version__ = "0.1.0"


def __getattr__(name):  # h5py and numpy only when a file is read
    if name in ("Table", "Results"):
        from . import table
        return getattr(table, name)
    raise AttributeError(name)
