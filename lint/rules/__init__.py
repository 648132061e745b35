"""Static rules, one module each (see xennet.registry for the module contract).

Module names start with the rule ID in lower case so that the folder lists in ID order.
"""
