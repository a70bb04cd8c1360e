# Sourced by scripts/test.sh and scripts/serve.sh: how llama-cpp-python compiles llama.cpp from source.
# The embedded backend loads only libllama and ggml, so the build leaves out llama-cpp-python's
# multimodal library (mtmd/llava: CLIP, audio, image decoders) and llama.cpp's tools, examples,
# tests, server and HTTPS client. CMAKE_ARGS you set yourself (e.g. -DGGML_CUDA=on) are kept.
# pip caches the built wheel: later installs take seconds. Cold build times: README.
LLAMA_CPP_CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF \
-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
-DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF"
# Portable CPU code (AVX2, FMA, F16C: any x86-64 of the last decade; ignored on ARM), not
# -march=native: a native build on a CPU that reports AMX or AVX-512 the virtual machine does not
# enable dies with "Illegal instruction" in llama.cpp's decode (seen with llama-cpp-python 0.3.36 on
# the project's CI machines), and a native wheel cannot move to another machine. For a build tuned
# to this CPU, put -DGGML_NATIVE=ON in your own CMAKE_ARGS (they come after these and win).
LLAMA_CPP_PORTABLE="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
export CMAKE_ARGS="$LLAMA_CPP_PORTABLE ${CMAKE_ARGS:+$CMAKE_ARGS }$LLAMA_CPP_CMAKE_ARGS"
