import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../python"))
import nastab

class Bad(nastab.Strategy):
    def ask(self):
        return "|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    def tell(self, arch, score):
        pass

nastab.serve(Bad)
