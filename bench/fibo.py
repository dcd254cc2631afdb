import sys


def fibo(n):
    return n if n < 2 else fibo(n - 1) + fibo(n - 2)


# Windmill's orchestrator benchmark task: a naive recursive fibo(10), printed.
print(fibo(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
