{
  "targets": [
    {
      "target_name": "tfjs_onednn",
      "sources": ["native/addon.cc", "native/conv.cc", "native/eltwise.cc", "native/matmul_pool.cc", "native/peak.cc", "native/batchnorm.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node -p \"(process.env.TFJS_ONEDNN_INCLUDE_DIRS || '').split(':').filter(Boolean).join(' ')\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "libraries": [
        "<!@(node -p \"(process.env.TFJS_ONEDNN_LIB_DIRS || '').split(':').filter(Boolean).map((d) => '-L' + d).join(' ')\")",
        "<!@(node -p \"(process.env.TFJS_ONEDNN_RPATH || '').split(':').filter(Boolean).map((d) => '-Wl,-rpath,' + d).join(' ')\")",
        "-ldnnl",
        "-fopenmp"
      ]
    }
  ]
}
