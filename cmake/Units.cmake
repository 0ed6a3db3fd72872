# dredge_units(VAR FOLDER UNIT...): appends FOLDER/UNIT.cpp and FOLDER/UNIT.h
# for each UNIT to VAR, the way every library here is made of pairs. A lone
# header is listed as UNIT.h (it adds just itself), as is a lone UNIT.cpp (more
# of a class whose header is another unit's). FOLDER "." adds bare
# names: per-file properties (set_source_files_properties) match only the
# name as written, and "./X.cpp" is not "X.cpp".
function(dredge_units var folder)
    set(files ${${var}})
    set(prefix "${folder}/")
    if(folder STREQUAL ".")
        set(prefix "")
    endif()
    foreach(unit IN LISTS ARGN)
        if(unit MATCHES "\\.(h|cpp)$")
            list(APPEND files ${prefix}${unit})
        else()
            list(APPEND files ${prefix}${unit}.cpp ${prefix}${unit}.h)
        endif()
    endforeach()
    set(${var} ${files} PARENT_SCOPE)
endfunction()
