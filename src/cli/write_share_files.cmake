# Writes the man page and the shell completions that the built gpipe prints from its stage and
# option tables, under SHARE_DIR in the layout they are installed in (see CMakeLists.txt).
# Usage: cmake -DGPIPE=path/to/gpipe -DSHARE_DIR=dir -P write_share_files.cmake
foreach(file_and_arguments
        "man/man1/gpipe.1|--man"
        "bash-completion/completions/gpipe|--completions;bash"
        "zsh/site-functions/_gpipe|--completions;zsh"
        "fish/vendor_completions.d/gpipe.fish|--completions;fish")
  string(REPLACE "|" ";" parts "${file_and_arguments}")
  list(POP_FRONT parts file)
  get_filename_component(folder "${SHARE_DIR}/${file}" DIRECTORY)
  file(MAKE_DIRECTORY "${folder}")
  execute_process(COMMAND "${GPIPE}" help ${parts}
                  OUTPUT_FILE "${SHARE_DIR}/${file}"
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "gpipe help ${parts} failed (${status})")
  endif()
endforeach()
