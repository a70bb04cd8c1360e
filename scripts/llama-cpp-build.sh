# Sourced by scripts/test.sh and scripts/serve.sh: how llama-cpp-python compiles llama.cpp from source.
# The embedded backend loads only libllama and ggml, so the build leaves out llama-cpp-python's
# multimodal library (mtmd/llava: CLIP, audio, image decoders) and llama.cpp's tools, examples,
# tests, server and HTTPS client. CMAKE_ARGS you set yourself (e.g. -DGGML_CUDA=on) are kept and
# come first. pip caches the built wheel: later installs take seconds. Cold build times: README.
LLAMA_CPP_CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF \
-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
-DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF"
export CMAKE_ARGS="${CMAKE_ARGS:+$CMAKE_ARGS }$LLAMA_CPP_CMAKE_ARGS"
