// Stands in for an NVRTC or cuBLAS of one CUDA major version (-DMAJOR=12 or 13) in the library-choice tests
// (LibraryDiscoveryTests): only the version queries NativeLibraries asks a loaded candidate.
extern "C" {
int nvrtcVersion(int* major, int* minor) { *major = MAJOR; *minor = 0; return 0; }
int cublasGetProperty(int type, int* value) { *value = type == 0 ? MAJOR : 0; return 0; }
}
