# Embeds text files (SQL migrations, the OpenAPI document) into the binary as C++ string
# constants, so that one executable carries everything it needs.

# wangban_embed_file(OUT_VAR FILE SYMBOL NAMESPACE): generates a .cpp defining
# `extern const std::string_view NAMESPACE::SYMBOL` with the file's contents.
function(wangban_embed_file out_var file symbol ns)
  get_filename_component(name ${file} NAME)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded/${symbol}.cpp)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DMODE=file -DINPUT=${file} -DOUTPUT=${out} -DSYMBOL=${symbol} -DNS=${ns}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_generate.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed_generate.cmake
    COMMENT "Embedding ${name}")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()

# wangban_embed_migrations(OUT_VAR DIR): every DIR/<backend>/NNNN_name.sql becomes an entry of
# `wangban::storage::internal::kEmbeddedMigrations`.
function(wangban_embed_migrations out_var dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded/migrations.cpp)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DMODE=migrations -DINPUT=${dir} -DOUTPUT=${out}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_generate.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_generate.cmake
    COMMENT "Embedding migrations")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
