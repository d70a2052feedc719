"""Data protection (issue 17): the register of processing, subject access, erasure, retention and
the requests' due dates. Used by the ``vws`` command's ``privacy``, ``sar``, ``erase``,
``retention`` and ``requests``; no chat platform here."""
