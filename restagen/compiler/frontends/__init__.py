"""Front ends: definition files in, checked input documents (`structure`) with their source maps out.

`sources` finds the files and follows their imports; a `.restagen.yaml` file is read by `load`, a Python
module of Protocol classes by `protocol`. `export` goes the other way, from a Protocol module to YAML.
"""
