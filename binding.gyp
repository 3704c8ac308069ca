{
  "targets": [
    {
      "target_name": "lmforge",
      "sources": [
        "csrc/threadpool.c", "csrc/peak.c", "csrc/copy.c", "csrc/elementwise.c", "csrc/binary.c", "csrc/where.c",
        "csrc/reduce.c", "csrc/gemm_kernel.c", "csrc/matmul.c", "csrc/gemm_parallel.c", "csrc/linear.c", "csrc/matvec.c", "csrc/softmax.c",
        "csrc/layernorm.c", "csrc/rmsnorm.c", "csrc/embedding.c", "csrc/cross_entropy.c", "csrc/attention.c", "csrc/attention_decode.c", "csrc/rope.c",
        "csrc/adamw.c", "csrc/napi_bindings.c", "csrc/napi_layers.c"
      ],
      "cflags": ["-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-lm"]
    }
  ]
}
