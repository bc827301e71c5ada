# Чем один состав федерации отличается от другого (`rogatory federation propose`, `sign`,
# `show`, `diff`): каждая фраза продолжает «По сравнению с составом N он:». Слова самого
# состава (названия, органы, причины) приводятся как написаны.

roster-change-federation-renamed = переименовывает федерацию из «{ $from }» в «{ $to }»
roster-change-reissued = имеет номер { $serial }, выпущен { $issued }, действует до { $expires }
roster-change-adds-member = включает участника { $node } ({ $country }, { $authority }), адрес: { $addresses }
roster-change-adds-member-key = , ключ подписи { $key }
roster-change-removes-member = исключает участника { $node }
roster-change-country = меняет страну участника { $node } с { $from } на { $to }
roster-change-authority = меняет орган участника { $node } с «{ $from }» на «{ $to }»
roster-change-addresses = меняет адреса участника { $node } с { $from } на { $to }
roster-change-adds-key = добавляет ключ подписи { $key } участника { $node }, действующий с { $from }
roster-change-retires-key = выводит из обращения ключ подписи { $key } участника { $node } с { $at } (подписанное им ранее остаётся действительным)
roster-change-revokes-key = отзывает ключ подписи { $key } участника { $node } с { $since }: { $reason }
roster-change-rewrites-key = переписывает даты ключа подписи { $key } участника { $node }
roster-change-removes-key = удаляет ключ подписи { $key } участника { $node }
roster-change-adds-governor = добавляет управляющего { $name } ({ $key })
roster-change-removes-governor = исключает управляющего { $name } ({ $key })
roster-change-renames-governor = переименовывает управляющего { $key } из «{ $from }» в «{ $to }»
roster-change-threshold = меняет порог подписей с { $from } из { $from_of } на { $to } из { $to_of }
roster-change-adds-ca = добавляет удостоверяющий центр с SHA-256 { $sha }
roster-change-removes-ca = исключает удостоверяющий центр с SHA-256 { $sha }
roster-change-revokes-certificate = отзывает сертификат TLS с серийным номером { $serial } с { $since }: { $reason }
roster-change-drops-revocation = больше не перечисляет отозванный сертификат TLS с серийным номером { $serial }
