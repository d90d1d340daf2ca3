-- The Decision 766 service index (Bộ chỉ số 766/QĐ-TTg), as data: groups, indicators, maximum
-- points, thresholds and rating bands. Edit the rows here to change the scoring; no SQL or Python
-- elsewhere holds a number of the index. The portal gives the group maxima (100 in all), the 20 points of
-- timeliness and the 6 + 6 + 6 of satisfaction, and the thresholds 80% / 50% / 80% / 90%; how the
-- 18, 12 and 22 points split between a group's indicators is not published: the split below is ours
-- (docs/score_766.md).
--
-- Scoring of an indicator: ratio = numerator / denominator; points = max_points when
-- ratio >= threshold, else max_points x ratio / threshold (threshold 1 = proportional).
-- source: where the numerator and denominator come from
--   dossier    the dossiers (agg_periodic_report, agg_report_detail)
--   procedure  the procedure catalogue's 766 columns (ref_procedure) over the procedures the agency
--              handled dossiers of in the period
--   pakn       citizens' complaints and petitions (raw_pakn)
--   rating     satisfaction ratings of dossiers (raw_rating)
--   external   no input the warehouse can load yet: always "không có dữ liệu"
-- when_empty: the agency has the input but nothing to judge (denominator 0): 'full' gives the maximum
--   (docs/score_766.md: "full if none"), 'no_data' shows "không có dữ liệu" and leaves it out of the
--   maximum attainable.

create or replace table ref_766_indicator as
with final as (
    select * from (values
        -- key, group, order, label, numerator, denominator, source, max points, threshold, when empty
        ('procedures_published', 'transparency', 1,
         'TTHC được công bố đúng hạn',
         'TTHC công bố đúng hạn', 'TTHC đơn vị có hồ sơ trong kỳ', 'procedure', 4.5, 1.0, 'no_data'),
        ('procedures_publicised', 'transparency', 2,
         'TTHC được công khai đúng hạn',
         'TTHC công khai đúng hạn', 'TTHC đơn vị có hồ sơ trong kỳ', 'procedure', 4.5, 1.0, 'no_data'),
        ('procedures_complete', 'transparency', 3,
         'TTHC công khai đầy đủ, chính xác',
         'TTHC có thông tin đầy đủ', 'TTHC đơn vị có hồ sơ trong kỳ', 'procedure', 4.5, 1.0, 'no_data'),
        ('dossiers_synced', 'transparency', 4,
         'Hồ sơ đồng bộ lên Cổng DVCQG theo đúng danh mục TTHC',
         'hồ sơ mới có mã TTHC trong danh mục', 'hồ sơ mới tiếp nhận', 'dossier', 4.5, 1.0, 'no_data'),
        ('timeliness_766', 'timeliness', 1,
         'Hồ sơ giải quyết đúng hạn (Bộ chỉ số 766)',
         'giải quyết trước và đúng hạn + đang giải quyết chưa đến hạn', 'hồ sơ tiếp nhận (kỳ trước chuyển qua + mới)',
         'dossier', 20.0, 1.0, 'no_data'),
        ('procedures_online', 'online', 1,
         'TTHC cung cấp dịch vụ công trực tuyến',
         'TTHC trực tuyến toàn trình hoặc một phần', 'TTHC đơn vị có hồ sơ trong kỳ', 'procedure', 6.0, 0.8, 'no_data'),
        ('online_share', 'online', 2,
         'Hồ sơ nộp trực tuyến',
         'hồ sơ nộp trực tuyến', 'hồ sơ mới của TTHC có cung cấp DVCTT', 'dossier', 6.0, 0.5, 'no_data'),
        ('online_payment', 'payment', 1,
         'Hồ sơ thanh toán trực tuyến',
         'hồ sơ thanh toán trực tuyến', 'hồ sơ mới tiếp nhận có phí, lệ phí', 'dossier', 10.0, 1.0, 'full'),
        ('electronic_results', 'digitisation', 1,
         'Hồ sơ được cấp kết quả điện tử',
         'hồ sơ có kết quả điện tử', 'hồ sơ đã giải quyết', 'dossier', 8.0, 1.0, 'no_data'),
        ('digitised_dossiers', 'digitisation', 2,
         'Hồ sơ được số hóa',
         'hồ sơ có thành phần số hóa', 'hồ sơ mới tiếp nhận', 'dossier', 8.0, 0.8, 'no_data'),
        ('data_reuse', 'digitisation', 3,
         'Khai thác, tái sử dụng dữ liệu số hóa',
         'hồ sơ tái sử dụng dữ liệu số hóa', 'hồ sơ mới tiếp nhận', 'external', 6.0, 1.0, 'no_data'),
        ('pakn_on_time', 'satisfaction', 1,
         'Phản ánh, kiến nghị xử lý đúng hạn',
         'PAKN xử lý đúng hạn + đang xử lý chưa đến hạn', 'PAKN phải xử lý (kỳ trước chuyển qua + mới)',
         'pakn', 6.0, 1.0, 'full'),
        ('pakn_satisfaction', 'satisfaction', 2,
         'Người dân hài lòng với kết quả xử lý PAKN',
         'PAKN được đánh giá hài lòng', 'PAKN xử lý xong trong kỳ có đánh giá', 'pakn', 6.0, 1.0, 'full'),
        ('receiving_satisfaction', 'satisfaction', 3,
         'Người dân hài lòng khi tiếp nhận, giải quyết hồ sơ',
         'lượt đánh giá hài lòng', 'lượt đánh giá trong kỳ', 'rating', 6.0, 0.9, 'no_data')
    ) as t(indicator_key, group_key, sort_order, indicator_label, numerator_label, denominator_label,
           source, max_points, threshold, when_empty)
)

select * replace (max_points::double as max_points, threshold::double as threshold) from final;
