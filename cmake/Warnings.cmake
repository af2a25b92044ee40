# Compiler warnings, in the open (curl's CMake/PickyWarnings.cmake is the model).
# Each warning that is switched off says why.
set(VT_C_WARNINGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wformat-security -Wpointer-arith -Wcast-align
  -Wwrite-strings -Wundef -Wvla -Wnull-dereference -Wdouble-promotion
  -Wimplicit-fallthrough
  # GLib's G_DEFINE_AUTOPTR_CLEANUP_FUNC and callbacks taking user data
  # produce unused parameters by design; they are noise, not bugs.
  -Wno-unused-parameter
  # GLib casts between function types for callbacks (GDestroyNotify,
  # GCompareFunc); that is GLib's documented idiom.
  -Wno-cast-function-type)
set(VT_CXX_WARNINGS -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter)

if(VT_WERROR)
  list(APPEND VT_C_WARNINGS -Werror)
  list(APPEND VT_CXX_WARNINGS -Werror)
endif()

function(vt_target_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${VT_C_WARNINGS}>
    $<$<COMPILE_LANGUAGE:CXX>:${VT_CXX_WARNINGS}>)
endfunction()
