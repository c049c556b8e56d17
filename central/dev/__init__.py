"""Development and test tools for central (synthetic devices and records, a development PKI).

Never imported by central's runtime code; used by the tests, the benchmark and ``make central``.
"""
